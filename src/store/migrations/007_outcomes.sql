-- Outcomes: what was measured at a visit (hair counts and densities, grades, the patient's own
-- view), the trichoscopy files they were imported from, and standardised photographs.

-- A trichoscopy export imported for a patient: the same bytes twice are refused.
CREATE TABLE measurement_imports (
    id          INTEGER PRIMARY KEY,
    patient_id  INTEGER NOT NULL REFERENCES patients (id),
    file_name   TEXT,
    sha256      TEXT NOT NULL,
    rows        INTEGER NOT NULL,
    imported_at INTEGER NOT NULL,
    imported_by INTEGER NOT NULL REFERENCES users (id),
    UNIQUE (patient_id, sha256)
);

-- A set is what was measured together at one visit, the same way, by the same person: the
-- target area, the method and the device belong to the set, each value to its row below.
CREATE TABLE measurement_sets (
    id          INTEGER PRIMARY KEY,
    patient_id  INTEGER NOT NULL REFERENCES patients (id),
    date        TEXT NOT NULL,              -- YYYY-MM-DD, the clinic's calendar
    course_id   INTEGER REFERENCES courses (id),
    method      TEXT NOT NULL,              -- measures.json "methods" code
    device      TEXT,
    site        TEXT,                       -- the marked target area, in words
    area_cm2    REAL CHECK (area_cm2 IS NULL OR area_cm2 > 0),
    notes       TEXT,
    measured_by INTEGER NOT NULL REFERENCES users (id),
    source      TEXT NOT NULL CHECK (source IN ('manual', 'import')),
    import_id   INTEGER REFERENCES measurement_imports (id),
    created_at  INTEGER NOT NULL,
    created_by  INTEGER NOT NULL REFERENCES users (id),
    CHECK ((source = 'import') = (import_id IS NOT NULL))
);
CREATE INDEX measurement_sets_by_patient ON measurement_sets (patient_id, date, id);

-- One value of one measure. A correction is a new version (the old one stays in
-- measurement_versions); a value entered in error is voided with its reason, never deleted.
-- patient_id and date repeat the set's so that the timeline and the cohort report read one
-- index in order.
CREATE TABLE measurements (
    id          INTEGER PRIMARY KEY,
    set_id      INTEGER NOT NULL REFERENCES measurement_sets (id),
    patient_id  INTEGER NOT NULL REFERENCES patients (id),
    date        TEXT NOT NULL,
    measure     TEXT NOT NULL,              -- measures.json "measures" code
    value_num   REAL,                       -- numbers and whole-number scales
    value_code  TEXT,                       -- coded grades (Norwood "IIIa", Glogau "II")
    version     INTEGER NOT NULL CHECK (version >= 1),
    voided_at   INTEGER,
    voided_by   INTEGER REFERENCES users (id),
    void_reason TEXT,
    updated_at  INTEGER NOT NULL,
    updated_by  INTEGER NOT NULL REFERENCES users (id),
    CHECK ((value_num IS NULL) <> (value_code IS NULL)),
    CHECK ((voided_at IS NULL) = (void_reason IS NULL)),
    UNIQUE (set_id, measure)
);
CREATE INDEX measurements_by_patient ON measurements (patient_id, measure, date, id);
CREATE INDEX measurements_by_measure ON measurements (measure, patient_id, date)
    WHERE voided_at IS NULL;

CREATE TABLE measurement_versions (
    measurement_id INTEGER NOT NULL REFERENCES measurements (id),
    version        INTEGER NOT NULL,
    value_num      REAL,
    value_code     TEXT,
    reason         TEXT,                    -- NULL for version 1
    at             INTEGER NOT NULL,
    by             INTEGER NOT NULL REFERENCES users (id),
    PRIMARY KEY (measurement_id, version)
) WITHOUT ROWID;

-- The bytes of a photograph once its metadata is stripped, kept once per content hash, with
-- the thumbnail made from them.
CREATE TABLE photo_files (
    sha256       TEXT PRIMARY KEY,           -- of `data`, lowercase hex
    mime         TEXT NOT NULL CHECK (mime IN ('image/jpeg', 'image/png')),
    width        INTEGER NOT NULL CHECK (width > 0),
    height       INTEGER NOT NULL CHECK (height > 0),
    bytes        INTEGER NOT NULL CHECK (bytes > 0),
    data         BLOB NOT NULL,
    thumb        BLOB NOT NULL,              -- JPEG
    thumb_width  INTEGER NOT NULL CHECK (thumb_width > 0),
    thumb_height INTEGER NOT NULL CHECK (thumb_height > 0)
) WITHOUT ROWID;

-- A photograph of a patient in one of the standard views, on a visit date.
CREATE TABLE photos (
    id            INTEGER PRIMARY KEY,
    patient_id    INTEGER NOT NULL REFERENCES patients (id),
    view          TEXT NOT NULL,             -- measures.json "photo_views" code
    date          TEXT NOT NULL,             -- YYYY-MM-DD, the clinic's calendar
    course_id     INTEGER REFERENCES courses (id),
    sha256        TEXT NOT NULL REFERENCES photo_files (sha256),
    original_name TEXT,
    notes         TEXT,
    uploaded_at   INTEGER NOT NULL,
    uploaded_by   INTEGER NOT NULL REFERENCES users (id),
    voided_at     INTEGER,
    voided_by     INTEGER REFERENCES users (id),
    void_reason   TEXT,
    CHECK ((voided_at IS NULL) = (void_reason IS NULL))
);
CREATE INDEX photos_by_patient ON photos (patient_id, view, date, id);

-- What an audit event says beyond its entity, as a small JSON object (NULL for none): which
-- size of a photo was shown and whose it is, which photos a printed report carried.
ALTER TABLE audit ADD COLUMN detail TEXT;
