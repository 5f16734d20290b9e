package sandbox_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/campaignflow/campaignflow/chatinc/sandbox"
)

func startPersistent(t *testing.T, file string) *sandbox.Running {
	t.Helper()
	r, err := sandbox.Start("127.0.0.1:0", sandbox.Options{StateFile: file, ApproveAfter: sandbox.ApproveAtOnce})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func closeSandbox(t *testing.T, r *sandbox.Running) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

func seed(t *testing.T, base string) {
	t.Helper()
	post(t, base, "/v1/create/audience", "k", []byte(`{"id":"a","name":"a","contacts":[{"number":"+27821234567"}]}`))
	post(t, base, "/v1/create/variable/group", "k", []byte(`{"id":"customers","name":"customers","fields":["first_name"],"values":[{"number":"+27821234567","first_name":"Thandi"}]}`))
}

func createCampaignAndRun(t *testing.T, base string) (campaignID, runID string) {
	t.Helper()
	code, m, raw := post(t, base, "/v1/create/campaign", "k", []byte(`{"title":"t","message":"Hi {customers.first_name}"}`))
	if code != 200 {
		t.Fatalf("create campaign: %d %s", code, raw)
	}
	campaignID = m["campaignId"].(string)
	code, m, raw = post(t, base, "/v1/run/campaign", "k", []byte(`{"campaignId":"`+campaignID+`","audiences":["a"]}`))
	if code != 200 {
		t.Fatalf("run: %d %s", code, raw)
	}
	return campaignID, m["run"].(map[string]any)["runId"].(string)
}

// TestStateFileKeepsStateAndNeverReusesIDs: a sandbox with a state file
// restarted on it still has its audiences, groups, campaigns and runs; and
// ids are never handed out twice, even when the last save was lost.
func TestStateFileKeepsStateAndNeverReusesIDs(t *testing.T) {
	file := filepath.Join(t.TempDir(), "data", "sandbox.json")
	r := startPersistent(t, file)
	seed(t, r.URL)
	c1, r1 := createCampaignAndRun(t, r.URL)
	lost, err := os.ReadFile(file) // as saved at start: before the campaign
	if err != nil {
		t.Fatal(err)
	}
	closeSandbox(t, r)

	r = startPersistent(t, file)
	if runs := r.Runs(c1); len(runs) != 1 || runs[0].ID != r1 || runs[0].Contacts != 1 {
		t.Fatalf("after restart, runs of %s = %+v; want run %s with 1 contact", c1, runs, r1)
	}
	if st := r.State(); st.Audiences["a"] != 1 || st.Groups["customers"] != 1 {
		t.Fatalf("after restart, state = %+v", st)
	}
	c2, r2 := createCampaignAndRun(t, r.URL) // the restored group and audience work
	closeSandbox(t, r)

	// A crash that lost every save after the start: the ids still differ.
	if err := os.WriteFile(file, lost, 0o600); err != nil {
		t.Fatal(err)
	}
	r = startPersistent(t, file)
	defer closeSandbox(t, r)
	seed(t, r.URL)
	c3, r3 := createCampaignAndRun(t, r.URL)
	ids := strings.Join([]string{c1, r1, c2, r2, c3, r3}, " ")
	seen := map[string]bool{}
	for _, id := range strings.Fields(ids) {
		if seen[id] {
			t.Fatalf("id %s handed out twice: %s", id, ids)
		}
		seen[id] = true
	}
}

func TestStateFileInvalidIsAClearError(t *testing.T) {
	file := filepath.Join(t.TempDir(), "sandbox.json")
	if err := os.WriteFile(file, []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := sandbox.Start("127.0.0.1:0", sandbox.Options{StateFile: file})
	if err == nil || !strings.Contains(err.Error(), "move it away") {
		t.Fatalf("err = %v", err)
	}
}

// TestIDsDifferAcrossStartsWithoutAStateFile: a sandbox restarted without a
// state file forgets its state but never hands out an id of the last one.
func TestIDsDifferAcrossStartsWithoutAStateFile(t *testing.T) {
	ids := map[string]bool{}
	for range 3 {
		r, err := sandbox.Start("127.0.0.1:0", sandbox.Options{ApproveAfter: sandbox.ApproveAtOnce})
		if err != nil {
			t.Fatal(err)
		}
		seed(t, r.URL)
		c, run := createCampaignAndRun(t, r.URL)
		closeSandbox(t, r)
		for _, id := range []string{c, run} {
			if ids[id] {
				t.Fatalf("id %s handed out again after a restart (seen %v)", id, ids)
			}
			ids[id] = true
		}
	}
}
