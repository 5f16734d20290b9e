package sandbox

import (
	"hash/fnv"
	"strconv"
	"time"
)

// Per-contact actions, as the details endpoint reports them.
const (
	ActionQueued        = "queued"
	ActionSent          = "sent"
	ActionDelivered     = "delivered"
	ActionRead          = "read"
	ActionSendError     = "send_error"
	ActionDeliveryError = "delivery_error"
	ActionNotOnWhatsApp = "not_on_whatsapp"
)

// runDuration bounds how long after its start a run can still change.
const runDuration = 2*time.Hour + 5*time.Minute

// fate is what will happen to one contact in one run, relative to the
// run's start; chosen deterministically from the seed, run and number.
type fate struct {
	notOnWhatsApp, sendError, deliveryError, read bool
	sent, delivered, readAfter                    time.Duration
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func (s *Server) fateOf(fateKey, number string) fate {
	h := fnv.New64a()
	_, _ = h.Write([]byte(strconv.FormatInt(s.opts.Seed, 10)))
	_, _ = h.Write([]byte(fateKey))
	_, _ = h.Write([]byte(number))
	x := h.Sum64()
	r1, r2, r3, r4 := splitmix(x), splitmix(x+1), splitmix(x+2), splitmix(x+3)
	f := fate{}
	switch p := r1 % 1000; {
	case p < 20:
		f.notOnWhatsApp = true
	case p < 30:
		f.sendError = true
	}
	f.sent = time.Duration(r2%2000) * time.Millisecond
	f.deliveryError = r3%1000 < 30
	f.delivered = f.sent + 2*time.Second + time.Duration((r3>>16)%58000)*time.Millisecond
	f.read = (r4 % 1000) < 650
	f.readAfter = f.delivered + 30*time.Second + time.Duration((r4>>16)%7170)*time.Second
	return f
}

// actionAt is the contact's action at simulated time t for a run started at
// start, with the time it last changed and an error text for failures.
func (f fate) actionAt(start, t time.Time) (action, errText string, updated time.Time) {
	el := t.Sub(start)
	switch {
	case el < 0:
		return ActionQueued, "", start
	case f.notOnWhatsApp:
		return ActionNotOnWhatsApp, "number is not on WhatsApp", start
	case el < f.sent:
		return ActionQueued, "", start
	case f.sendError:
		return ActionSendError, "WhatsApp rejected the message (131026: message undeliverable)", start.Add(f.sent)
	case el < f.delivered:
		return ActionSent, "", start.Add(f.sent)
	case f.deliveryError:
		return ActionDeliveryError, "delivery failed (131047: re-engagement window closed)", start.Add(f.delivered)
	case !f.read || el < f.readAfter:
		return ActionDelivered, "", start.Add(f.delivered)
	default:
		return ActionRead, "", start.Add(f.readAfter)
	}
}

// runCounts are the totals of one run at one moment.
type runCounts struct {
	Contacts       int `json:"contacts"`
	Sent           int `json:"sent"`
	Delivered      int `json:"delivered"`
	Read           int `json:"read"`
	SendErrors     int `json:"sendErrors"`
	DeliveryErrors int `json:"deliveryErrors"`
	NotOnWhatsApp  int `json:"notOnWhatsApp"`
}

func (c *runCounts) add(action string) {
	switch action {
	case ActionSent:
		c.Sent++
	case ActionDelivered:
		c.Sent++
		c.Delivered++
	case ActionRead:
		c.Sent++
		c.Delivered++
		c.Read++
	case ActionDeliveryError:
		c.Sent++
		c.DeliveryErrors++
	case ActionSendError:
		c.SendErrors++
	case ActionNotOnWhatsApp:
		c.NotOnWhatsApp++
	}
}

func (c *runCounts) plus(o runCounts) {
	c.Contacts += o.Contacts
	c.Sent += o.Sent
	c.Delivered += o.Delivered
	c.Read += o.Read
	c.SendErrors += o.SendErrors
	c.DeliveryErrors += o.DeliveryErrors
	c.NotOnWhatsApp += o.NotOnWhatsApp
}

func (s *Server) countsLocked(r *run, now time.Time) runCounts {
	c := runCounts{Contacts: len(r.numbers)}
	if now.Before(r.StartAt) {
		return c
	}
	for _, n := range r.numbers {
		a, _, _ := s.fateOf(r.fateKey, n).actionAt(r.StartAt, now)
		c.add(a)
	}
	return c
}
