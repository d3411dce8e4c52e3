-- Business-hours calendars: a name, an IANA time zone, the weekly working
-- intervals and the holidays. Intervals and holidays are JSON lists in the
-- form of the API (bizhours.Spec), read and written whole with the
-- calendar; SLA policies will refer to calendars by id.

CREATE TABLE calendars (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       TEXT NOT NULL,
    time_zone  TEXT NOT NULL,
    intervals  TEXT NOT NULL DEFAULT '[]',
    holidays   TEXT NOT NULL DEFAULT '[]',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX calendars_name ON calendars (lower(name));
