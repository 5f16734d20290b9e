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

// TestReadRegular: a regular file is read whole up to the limit; a larger
// one is a *TooLargeError read no further; a FIFO is a *NotRegularError
// at once (no writer ever comes).
func TestReadRegular(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small.json")
	if err := os.WriteFile(small, []byte("0123456789"), 0o600); err != nil {
		t.Fatal(err)
	}
	if b, err := sources.ReadRegular(small, 10); err != nil || string(b) != "0123456789" {
		t.Fatalf("ReadRegular at the limit = %q, %v", b, err)
	}
	var tl *sources.TooLargeError
	if _, err := sources.ReadRegular(small, 9); !errors.As(err, &tl) || tl.Limit != 9 || tl.Path != small {
		t.Fatalf("ReadRegular over the limit: err = %v, want a *TooLargeError", err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	var nr *sources.NotRegularError
	if _, err := sources.ReadRegular(fifo, 10); !errors.As(err, &nr) || nr.Kind != "named pipe (FIFO)" {
		t.Fatalf("ReadRegular of a FIFO: err = %v, want a *NotRegularError naming a FIFO", err)
	}
	if _, err := sources.ReadRegular(filepath.Join(dir, "nope"), 10); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("ReadRegular of a missing file: err = %v, want os.ErrNotExist", err)
	}
}
