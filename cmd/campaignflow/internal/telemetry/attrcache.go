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
// so the cache is too. Keys are arrays, not joined strings: looking one up
// allocates nothing.
var (
	measureMu   sync.RWMutex
	measureOpts = map[labelKey]metric.MeasurementOption{}
)

// labelKey holds up to two label pairs; more are joined into its first slot
// (label values never hold \x00).
type labelKey [4]string

// labels returns the cached option for the label pairs kv (key, value, ...).
func labels(kv ...string) metric.MeasurementOption {
	var key labelKey
	if len(kv) <= len(key) {
		copy(key[:], kv)
	} else {
		key[0] = strings.Join(kv, "\x00")
	}
	measureMu.RLock()
	o, ok := measureOpts[key]
	measureMu.RUnlock()
	if ok {
		return o
	}
	attrs := make([]attribute.KeyValue, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		attrs = append(attrs, attribute.String(kv[i], kv[i+1]))
	}
	measureMu.Lock()
	defer measureMu.Unlock()
	if o, ok := measureOpts[key]; ok {
		return o
	}
	o = metric.WithAttributeSet(attribute.NewSet(attrs...))
	measureOpts[key] = o
	return o
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
