package sources

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
)

// NotRegularError is OpenRegular's refusal of anything but a regular file
// (a FIFO, a device, a directory, a socket): reading one could block for
// ever or never end.
type NotRegularError struct {
	Path string
	Kind string // e.g. "named pipe (FIFO)", "character device", "directory"
}

func (e *NotRegularError) Error() string {
	return fmt.Sprintf("sources: %q is a %s, not a regular file", e.Path, e.Kind)
}

// TooLargeError is ReadRegular's refusal of a file larger than its limit.
type TooLargeError struct {
	Path  string
	Limit int64 // bytes
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("sources: %q is larger than %d bytes", e.Path, e.Limit)
}

// OpenRegular opens a regular file for reading. It opens with O_NONBLOCK,
// so a FIFO or a device cannot block the open, then checks with fstat what
// it opened: anything but a regular file is a *NotRegularError saying what
// it is. Other errors are the *os.PathError of the open.
func OpenRegular(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	if !st.Mode().IsRegular() {
		_ = f.Close()
		return nil, &NotRegularError{Path: path, Kind: fileKind(st.Mode())}
	}
	return f, nil
}

// ReadRegular reads a whole regular file (see OpenRegular) of at most limit
// bytes; a larger one is a *TooLargeError, read no further than the limit.
func ReadRegular(path string, limit int64) ([]byte, error) {
	f, err := OpenRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadLimited(f, path, limit)
}

// ReadLimited reads r to its end if that is at most limit bytes; a longer
// one is a *TooLargeError naming name, read no further than the limit.
func ReadLimited(r io.Reader, name string, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, &TooLargeError{Path: name, Limit: limit}
	}
	return b, nil
}

// openOS opens a regular file for reading (OpenRegular), as a CSV location.
func openOS(path string) (io.ReadCloser, error) {
	f, err := OpenRegular(path)
	var nr *NotRegularError
	switch {
	case errors.As(err, &nr):
		return nil, refused("file %q is a %s, not a regular file: only regular files are read", path, nr.Kind)
	case err != nil:
		return nil, fmt.Errorf("sources: %w", err)
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
