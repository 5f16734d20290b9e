package worker

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gofrs/flock"
)

// dataDirLockName is the lock file a worker holds in its data dir while an
// embedded nats-server or the embedded sandbox keeps its state there.
const dataDirLockName = ".campaignflow.lock"

// lockDataDir takes the data dir for this process: two workers on one dir
// would run two nats-servers on one store (which corrupts it) and two
// sandboxes saving one state file. The lock is released when the process
// ends, however it ends; the file keeps the holder's pid for the message.
func (w *Worker) lockDataDir() error {
	if !w.cfg.EmbeddedNATS() && !w.cfg.SandboxMode() {
		return nil
	}
	dir := w.cfg.NATS.DataDir
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("worker: data dir %s: %w", dir, err)
	}
	path := filepath.Join(dir, dataDirLockName)
	l := flock.New(path)
	ok, err := l.TryLock()
	if err != nil {
		return fmt.Errorf("worker: locking the data dir %s: %w", dir, err)
	}
	if !ok {
		holder := "another process"
		if b, err := os.ReadFile(path); err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
				holder = "pid " + strconv.Itoa(pid)
			}
		}
		return fmt.Errorf("worker: the data dir %s is in use by %s (%s): a second worker on it would share the embedded NATS store and sandbox state; give each worker its own --data-dir, or connect them to one NATS with --nats-url",
			dir, holder, path)
	}
	if err := os.WriteFile(path, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o640); err != nil {
		_ = l.Unlock()
		return fmt.Errorf("worker: data dir %s: %w", dir, err)
	}
	w.dirLock = l
	return nil
}

// unlockDataDir releases the data dir.
func (w *Worker) unlockDataDir() {
	if w.dirLock != nil {
		_ = w.dirLock.Unlock()
		w.dirLock = nil
	}
}
