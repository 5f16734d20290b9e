package sources_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/campaignflow/campaignflow/sources"
)

// TestOpenLocationRefusesFilesThatAreNotFiles: a FIFO (whose open would
// block until a writer comes), a directory and a device inside an allowed
// directory are refused at once, saying what they are.
func TestOpenLocationRefusesFilesThatAreNotFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "upload.csv")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "folder.csv"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/dev/zero", filepath.Join(dir, "zero.csv")); err != nil {
		t.Fatal(err)
	}
	policy := sources.LocationPolicy{AllowedDirs: []string{dir, "/dev"}}
	for name, want := range map[string]string{
		"upload.csv": "named pipe (FIFO)",
		"folder.csv": "directory",
		"zero.csv":   "character device",
	} {
		t.Run(name, func(t *testing.T) {
			done := make(chan error, 1)
			go func() {
				r, err := sources.OpenLocation(context.Background(), nil, sources.Location{File: filepath.Join(dir, name)}, policy)
				if err == nil {
					_ = r.Close()
				}
				done <- err
			}()
			select {
			case err := <-done:
				if !errors.Is(err, sources.ErrLocationRefused) || !strings.Contains(err.Error(), want) {
					t.Fatalf("err = %v, want a refusal naming a %s", err, want)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("OpenLocation blocked")
			}
		})
	}
}
