package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/campaignflow/campaignflow/chatinc"
)

// ClientTarget is issue 3's target for adding contacts in batches of 1000
// over loopback, client and sandbox together.
const ClientTarget = 200_000 // contacts/s

// ClientCPUTarget is issue 3's bound on the client's CPU per contact
// (judged when the sandbox runs in another process).
const ClientCPUTarget = 2 * time.Microsecond

// ClientOptions configure Client.
type ClientOptions struct {
	Contacts   int    // contacts added by each side (default 200,000)
	ChatIncURL string // a running Chat Inc sandbox (default: one in this process)
	APIKey     string // its key (default "bench")
}

// AddContactsRaw posts the contacts to Chat Inc's add-contacts endpoint in
// batches of 1000 with plain net/http, the JSON encoded before the clock
// starts: the anchor (transport and sandbox only).
func AddContactsRaw(ctx context.Context, baseURL, key, audience string, numbers []string) (Run, error) {
	p := newRawPoster(baseURL, key)
	defer p.close()
	var bodies [][]byte
	for i := 0; i < len(numbers); i += 1000 {
		bodies = append(bodies, encodeBatch(nil, audience, numbers[i:min(i+1000, len(numbers))]))
	}
	start := time.Now()
	for _, b := range bodies {
		if err := p.post(ctx, b); err != nil {
			return Run{}, err
		}
	}
	return Run{Count: len(numbers), Elapsed: time.Since(start)}, nil
}

// AddContactsProject adds the contacts with the chatinc client
// (CreateAudience: validation, batches of 1000 encoded one at a time,
// retries, response decoding).
func AddContactsProject(ctx context.Context, c *chatinc.Client, audience string, numbers []string) (Run, error) {
	cs := make([]chatinc.Contact, len(numbers))
	for i, n := range numbers {
		cs[i] = chatinc.Contact{Number: n}
	}
	start := time.Now()
	res, err := c.CreateAudience(ctx, chatinc.Audience{ID: audience, Name: audience, Contacts: cs})
	elapsed := time.Since(start)
	if err != nil {
		return Run{}, err
	}
	return Run{Count: res.Added, Elapsed: elapsed}, nil
}

// Client compares the chatinc client's add-contacts throughput with raw
// net/http posting the same batches, against the same sandbox.
func Client(ctx context.Context, o ClientOptions) (Result, error) {
	if o.Contacts <= 0 {
		o.Contacts = 200_000
	}
	target, err := startTarget(o.ChatIncURL, o.APIKey)
	if err != nil {
		return Result{}, err
	}
	defer target.close()
	client, err := target.client()
	if err != nil {
		return Result{}, err
	}
	numbers := make([]string, o.Contacts)
	for i := range numbers {
		numbers[i] = ContactNumber(i)
	}
	// Warm up the sandbox and both HTTP paths, untimed, so neither side
	// pays the first requests.
	warm := numbers[:min(len(numbers), 5000)]
	if _, err := AddContactsRaw(ctx, target.url, target.key, uniqueID("bench-client-warmup"), warm); err != nil {
		return Result{}, err
	}
	if _, err := AddContactsProject(ctx, client, uniqueID("bench-client-warmup"), warm); err != nil {
		return Result{}, err
	}
	rawID, ourID := uniqueID("bench-client-raw"), uniqueID("bench-client-project")
	raw, err := AddContactsRaw(ctx, target.url, target.key, rawID, numbers)
	if err != nil {
		return Result{}, err
	}
	mem := StartMemorySampler(0)
	cpu0 := cpuTime()
	ours, err := AddContactsProject(ctx, client, ourID, numbers)
	cpu := cpuTime() - cpu0
	peaks := mem.Stop()
	if err != nil {
		return Result{}, err
	}
	for _, id := range []string{rawID, ourID} {
		size, err := audienceSize(ctx, client, id)
		if err != nil {
			return Result{}, err
		}
		if size != o.Contacts {
			return Result{}, fmt.Errorf("bench: audience %s holds %d contacts; want %d", id, size, o.Contacts)
		}
	}
	if ours.Count != o.Contacts {
		return Result{}, fmt.Errorf("bench: the client reported %d contacts added; want %d", ours.Count, o.Contacts)
	}
	res := Result{Name: "client add contacts", Unit: "contacts/s", Count: o.Contacts,
		Anchor:  Figure{Label: "net/http POST of pre-encoded 1000-contact batches", Rate: raw.Rate()},
		Project: Figure{Label: "chatinc.Client.CreateAudience (batches of 1000)", Rate: ours.Rate()},
		Target:  fmt.Sprintf("project >= %s contacts/s", human(ClientTarget)),
		Metrics: peaks.Metrics(),
		Notes:   []string{"target: " + target.where() + "; one request at a time on both sides; client rate limit off; both audiences checked to hold every contact"},
	}
	perContact := cpu / time.Duration(o.Contacts)
	if cpu > 0 {
		who := "client only"
		if target.inProc {
			who = "client + sandbox"
		}
		res.Metrics = append(res.Metrics, Metric{Name: "process CPU per contact (" + who + ")", Value: float64(cpu.Nanoseconds()) / float64(o.Contacts) / 1e3, Unit: "µs"})
	}
	res.Pass = ours.Rate() >= ClientTarget
	if target.inProc || cpu == 0 {
		res.Target += " (the <= 2 µs client CPU per contact is judged with the sandbox in another process)"
	} else {
		res.Target += " and <= 2 µs client CPU per contact"
		res.Pass = res.Pass && perContact <= ClientCPUTarget
	}
	return res, nil
}
