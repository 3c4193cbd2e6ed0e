package pop3d

import "io"

// replyWriter buffers a session's replies. Pipelined commands are answered
// in one write (RFC 2449 PIPELINING), and a reply that a panic cut short
// can be taken back as long as none of it has left.
type replyWriter struct {
	w     io.Writer
	buf   []byte
	start int   // where the current reply begins in buf
	begun bool  // part of the current reply has been written to w
	err   error // the first write error; nothing is written after it
}

// replyFlushAt is how much a long reply (RETR) buffers between writes.
const replyFlushAt = 32 << 10

// A write fails only once writing to the conn has failed; the session
// checks at its next Flush.

func (rw *replyWriter) WriteString(s string) (int, error) {
	rw.buf = append(rw.buf, s...)
	return len(s), rw.spill()
}

func (rw *replyWriter) Write(p []byte) (int, error) {
	rw.buf = append(rw.buf, p...)
	return len(p), rw.spill()
}

func (rw *replyWriter) WriteByte(c byte) error {
	rw.buf = append(rw.buf, c)
	return rw.spill()
}

// spill writes whole chunks of replyFlushAt bytes, as the bufio.Writer it
// replaces did, so that a long reply leaves in the same writes and so
// crosses the link in the same segments.
func (rw *replyWriter) spill() error {
	for rw.err == nil && len(rw.buf) >= replyFlushAt {
		if rw.start < replyFlushAt {
			rw.begun = true
		}
		_, rw.err = rw.w.Write(rw.buf[:replyFlushAt])
		n := copy(rw.buf, rw.buf[replyFlushAt:])
		rw.buf = rw.buf[:n]
		rw.start = max(0, rw.start-replyFlushAt)
	}
	return rw.err
}

// Flush writes what is buffered and returns the first write error.
func (rw *replyWriter) Flush() error {
	if len(rw.buf) > rw.start {
		rw.begun = true
	}
	if rw.err == nil && len(rw.buf) > 0 {
		_, rw.err = rw.w.Write(rw.buf)
	}
	rw.buf, rw.start = rw.buf[:0], 0
	if cap(rw.buf) > 4*replyFlushAt {
		rw.buf = nil // a message's one huge line: do not keep its room
	}
	return rw.err
}

// next marks where the next reply begins.
func (rw *replyWriter) next() { rw.start, rw.begun = len(rw.buf), false }

// takeBack drops what is buffered of the current reply, and reports
// whether none of it had been written: whether the client is still
// between two replies.
func (rw *replyWriter) takeBack() bool {
	rw.buf = rw.buf[:rw.start]
	return !rw.begun
}
