package sources

import (
	"fmt"
	"io"
	"os"
	"syscall"
)

// openOS opens a regular file for reading. It opens with O_NONBLOCK, so a
// FIFO or a device cannot block the open, then checks with fstat what it
// opened: anything but a regular file is refused, saying what it is.
func openOS(path string) (io.ReadCloser, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, fmt.Errorf("sources: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("sources: %w", err)
	}
	if !st.Mode().IsRegular() {
		_ = f.Close()
		return nil, refused("file %q is a %s, not a regular file: only regular files are read", path, fileKind(st.Mode()))
	}
	return f, nil
}

func fileKind(m os.FileMode) string {
	switch {
	case m&os.ModeNamedPipe != 0:
		return "named pipe (FIFO)"
	case m&os.ModeCharDevice != 0:
		return "character device"
	case m&os.ModeDevice != 0:
		return "block device"
	case m&os.ModeSocket != 0:
		return "socket"
	case m.IsDir():
		return "directory"
	}
	return "special file (" + m.Type().String() + ")"
}
