package seed

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// Progress shows Load's progress on w: on a terminal one line redrawn in
// place,
//
//	seeding [#####.....] 4,213/7,980 writes  1,234/s
//
// otherwise a plain line every few seconds (logs, CI). Update is Load's
// progress callback; call Done when Load returns.
type Progress struct {
	w        io.Writer
	terminal bool
	start    time.Time

	mu       sync.Mutex
	last     time.Time
	done     int
	total    int
	finished bool
}

// NewProgress returns a progress display on w; terminal says whether w is a
// terminal (see IsTerminal).
func NewProgress(w io.Writer, terminal bool) *Progress {
	return &Progress{w: w, terminal: terminal, start: time.Now()}
}

// IsTerminal reports whether f is a character device (a terminal).
func IsTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// Update records done writes out of total and redraws when it is time.
func (p *Progress) Update(done, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done, p.total = done, total
	now := time.Now()
	switch {
	case p.finished:
	case p.terminal:
		fmt.Fprintf(p.w, "\r%s", p.line(now))
	case now.Sub(p.last) >= 2*time.Second:
		fmt.Fprintln(p.w, p.line(now))
		p.last = now
	}
}

// Done draws the final line.
func (p *Progress) Done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.finished {
		return
	}
	p.finished = true
	if p.terminal {
		fmt.Fprintf(p.w, "\r%s\n", p.line(time.Now()))
		return
	}
	fmt.Fprintln(p.w, p.line(time.Now()))
}

func (p *Progress) line(now time.Time) string {
	const width = 30
	filled := 0
	if p.total > 0 {
		filled = min(width, p.done*width/p.total)
	}
	rate := 0.0
	if el := now.Sub(p.start).Seconds(); el > 0 {
		rate = float64(p.done) / el
	}
	return fmt.Sprintf("seeding [%s%s] %s/%s writes  %s/s", strings.Repeat("#", filled), strings.Repeat(".", width-filled),
		thousands(p.done), thousands(p.total), thousands(int(rate+0.5)))
}

// thousands writes n with comma separators: 12,345.
func thousands(n int) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	var sb strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			sb.WriteByte(',')
		}
		sb.WriteRune(c)
	}
	return sb.String()
}
