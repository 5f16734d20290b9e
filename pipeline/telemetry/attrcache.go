package telemetry

import (
	"strings"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// measureOpts caches the metric option of each set of label values: an
// attribute set built per measurement costs allocations and a sort on every
// event's path. Label values are bounded (see eventTypeSet, labelValue),
// so the cache is too.
var measureOpts sync.Map // "k\x00v\x00k\x00v" -> metric.MeasurementOption

// labels returns the cached option for the label pairs kv (key, value, ...).
func labels(kv ...string) metric.MeasurementOption {
	key := strings.Join(kv, "\x00")
	if o, ok := measureOpts.Load(key); ok {
		return o.(metric.MeasurementOption)
	}
	attrs := make([]attribute.KeyValue, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		attrs = append(attrs, attribute.String(kv[i], kv[i+1]))
	}
	o, _ := measureOpts.LoadOrStore(key, metric.WithAttributeSet(attribute.NewSet(attrs...)))
	return o.(metric.MeasurementOption)
}

// maxEventTypes bounds the event_type label: subjects come from outside, and
// a publisher inventing types must not grow the metrics without end.
const maxEventTypes = 32

// eventTypeSet is the event_type label values one Telemetry has used.
type eventTypeSet struct {
	seen sync.Map // label value -> struct{}
	n    atomic.Int32
}

// label is labelValue for an event type, and "other" once maxEventTypes
// distinct types have been seen.
func (s *eventTypeSet) label(t string) string {
	v := labelValue(t)
	if _, ok := s.seen.Load(v); ok {
		return v
	}
	if s.n.Add(1) > maxEventTypes {
		s.n.Add(-1)
		return "other"
	}
	if _, loaded := s.seen.LoadOrStore(v, struct{}{}); loaded {
		s.n.Add(-1)
	}
	return v
}
