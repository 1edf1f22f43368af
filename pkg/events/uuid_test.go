package events

import "github.com/google/uuid"

func uuidVersion(s string) (int, error) {
	u, err := uuid.Parse(s)
	if err != nil {
		return 0, err
	}
	return int(u.Version()), nil
}
