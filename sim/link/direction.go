package link

// Direction is the way bytes travel on a connection.
type Direction uint8

const (
	// Up is client to server (C→S).
	Up Direction = iota
	// Down is server to client (S→C).
	Down
	// Both directions, for faults.
	Both
)

func (d Direction) String() string {
	switch d {
	case Up:
		return "C→S"
	case Down:
		return "S→C"
	case Both:
		return "both"
	}
	return "?"
}

func (d Direction) covers(x Direction) bool { return d == Both || d == x }
