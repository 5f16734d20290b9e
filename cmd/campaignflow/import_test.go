package main

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/campaignflow/campaignflow/chatinc/sandbox"
	"github.com/campaignflow/campaignflow/chatinc/sandbox/sandboxtest"
)

// importCSV is a semicolon CSV with a BOM, a quoted field, local numbers,
// two bad numbers and a short row.
const importCSV = "\ufeffPhone;First Name;Tier\n" +
	"082 123 4567;Thandi;gold\n" +
	"+27 83 765 4321;\"Sipho; Jr\";silver\n" +
	"not-a-number;Bad;gold\n" +
	"12345;Short;gold\n" +
	"+44 7911 123456;Alice;bronze\n"

func TestImportLoadsGoodRowsAndReportsBadOnes(t *testing.T) {
	t.Setenv("CHATINC_API_KEY", "")
	sb, url := sandboxtest.Start(t, sandbox.Options{})
	dir := t.TempDir()
	in := filepath.Join(dir, "customers.csv")
	if err := os.WriteFile(in, []byte(importCSV), 0o600); err != nil {
		t.Fatal(err)
	}
	report := filepath.Join(dir, "rejected.csv")

	r := execOps(t, "", "import", "--csv", in, "--audience", "vip", "--variable-group", "customers",
		"--number-column", "phone", "--map", "First Name=first_name", "--map", "Tier=tier",
		"--report", report, "--chatinc-url", url, "--batch-size", "2")
	if r.code() != 0 {
		t.Fatalf("import: exit %d: %v\n%s", r.code(), r.err, r.stderr)
	}
	if !strings.Contains(r.stdout, "5 rows, 3 accepted, 2 rejected") {
		t.Errorf("summary %q; want 5 rows, 3 accepted, 2 rejected", r.stdout)
	}
	if !strings.Contains(r.stderr, "SANDBOX") {
		t.Errorf("stderr %q; want it to say the target is a sandbox", r.stderr)
	}

	numbers, ok := sb.Audience("vip")
	want := []string{"+27821234567", "+27837654321", "+447911123456"}
	slices.Sort(numbers)
	slices.Sort(want)
	if !ok || !slices.Equal(numbers, want) {
		t.Errorf("sandbox audience vip = %v, %v; want %v", numbers, ok, want)
	}
	_, values, ok := sb.VariableGroup("customers")
	if !ok || values["+27837654321"]["first_name"] != "Sipho; Jr" || values["+27821234567"]["tier"] != "gold" {
		t.Errorf("variable group customers = %v; want the mapped fields by number", values)
	}

	f, err := os.Open(report)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[0][0] != "row" {
		t.Fatalf("report rows %v; want a header and the two rejected rows", rows)
	}
	for i, wantRow := range []string{"4", "5"} { // the header is row 1
		got := rows[i+1]
		if got[0] != wantRow || got[1] != "Phone" || got[3] == "" {
			t.Errorf("report row %d = %v; want row %s, column Phone and a reason", i+1, got, wantRow)
		}
		if strings.Contains(got[2], "12345") || strings.Contains(got[2], "not-a-number") {
			t.Errorf("report row %d shows the raw value %q; want it masked", i+1, got[2])
		}
	}
}

func TestImportStopsWithAClearError(t *testing.T) {
	t.Setenv("CHATINC_API_KEY", "")
	_, url := sandboxtest.Start(t, sandbox.Options{})
	dir := t.TempDir()
	in := filepath.Join(dir, "c.csv")
	if err := os.WriteFile(in, []byte("mobile,name\n0821234567,A\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"missing number column", []string{"--csv", in, "--audience", "a"}, `number column "number" is not in the CSV header ["mobile" "name"]; name it with --number-column`},
		{"missing mapped column", []string{"--csv", in, "--audience", "a", "--number-column", "mobile", "--variable-group", "g", "--map", "tier=tier"}, "name it with --map COL=FIELD"},
		{"map without group", []string{"--csv", in, "--audience", "a", "--map", "name=first_name"}, "--variable-group"},
		{"bad map", []string{"--csv", in, "--audience", "a", "--variable-group", "g", "--map", "name"}, "COL=FIELD"},
		{"missing file", []string{"--csv", filepath.Join(dir, "nope.csv"), "--audience", "a"}, "nope.csv"},
		{"batch too large", []string{"--csv", in, "--audience", "a", "--batch-size", "5000"}, "1000"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := execOps(t, "", append([]string{"import", "--chatinc-url", url}, tc.args...)...)
			if r.err == nil || !strings.Contains(r.err.Error(), tc.want) {
				t.Errorf("err %v; want it to mention %q", r.err, tc.want)
			}
		})
	}
}

func TestImportWithARealKeyIsRefusedByAnotherKey(t *testing.T) {
	_, url := sandboxtest.Start(t, sandbox.Options{APIKey: "right-key"})
	t.Setenv("CHATINC_API_KEY", "wrong-key")
	in := filepath.Join(t.TempDir(), "c.csv")
	if err := os.WriteFile(in, []byte("number\n0821234567\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := execOps(t, "", "import", "--csv", in, "--audience", "a", "--chatinc-url", url)
	if r.err == nil || !strings.Contains(strings.ToLower(r.err.Error()), "unauthorized") {
		t.Fatalf("err %v; want unauthorized", r.err)
	}
	if strings.Contains(fmt.Sprint(r.err)+r.stderr+r.stdout, "wrong-key") {
		t.Error("the API key appears in the output")
	}
	t.Setenv("CHATINC_API_KEY", "right-key")
	if r := execOps(t, "", "import", "--csv", in, "--audience", "a", "--chatinc-url", url); r.code() != 0 {
		t.Errorf("with the right key: %v", r.err)
	}
}
