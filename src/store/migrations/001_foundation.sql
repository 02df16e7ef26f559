-- Foundation schema: accounts, sessions, patients with their versions and search index, the
-- hash-chained audit trail, rooms. Times are integer milliseconds since the epoch, UTC.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    roles         INTEGER NOT NULL CHECK (roles > 0 AND roles < 16),
    disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at    INTEGER NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    csrf_token TEXT NOT NULL,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_by_user ON sessions (user_id);

-- Named counters: the MRN sequence and patient totals (so that counting 1M rows is not needed).
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO counters (name, value) VALUES ('mrn', 1000000), ('patients_active', 0), ('patients_all', 0);

CREATE TABLE patients (
    id                      INTEGER PRIMARY KEY,
    mrn                     TEXT NOT NULL UNIQUE,
    version                 INTEGER NOT NULL CHECK (version >= 1),
    given_name              TEXT,
    family_name             TEXT,
    given_name_ar           TEXT,
    family_name_ar          TEXT,
    sort_family             TEXT NOT NULL,
    sort_given              TEXT NOT NULL,
    date_of_birth           TEXT NOT NULL,
    sex                     TEXT NOT NULL CHECK (sex IN ('female', 'male', 'other', 'unknown')),
    phone                   TEXT,
    email                   TEXT,
    preferred_language      TEXT NOT NULL CHECK (preferred_language IN ('en', 'ar')),
    address                 TEXT,
    emergency_contact_name  TEXT,
    emergency_contact_phone TEXT,
    notes                   TEXT,
    created_at              INTEGER NOT NULL,
    updated_at              INTEGER NOT NULL,
    deleted                 INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1))
);
-- Ids grow with registration time, so sorting by creation uses the primary key.
CREATE INDEX patients_by_family ON patients (deleted, sort_family, sort_given, id);
CREATE INDEX patients_by_given ON patients (deleted, sort_given, sort_family, id);
CREATE INDEX patients_by_dob ON patients (deleted, date_of_birth, id);
CREATE INDEX patients_by_updated ON patients (deleted, updated_at, id);
CREATE INDEX patients_by_phone ON patients (phone) WHERE phone IS NOT NULL;

-- Folded names of both scripts; rowid is the patient id. Prefix indexes keep the first
-- letters of a search fast on a large registry.
CREATE VIRTUAL TABLE patient_search USING fts5 (
    names,
    tokenize = 'unicode61 remove_diacritics 0',
    prefix = '1 2 3'
);

-- Every version of a patient record: corrections are new versions, never silent overwrites.
CREATE TABLE patient_versions (
    patient_id INTEGER NOT NULL REFERENCES patients (id),
    version    INTEGER NOT NULL,
    action     TEXT NOT NULL CHECK (action IN ('create', 'update', 'delete')),
    user_id    INTEGER REFERENCES users (id),
    at         INTEGER NOT NULL,
    changes    TEXT NOT NULL,
    snapshot   TEXT NOT NULL,
    reason     TEXT,
    PRIMARY KEY (patient_id, version)
) WITHOUT ROWID;

-- The audit trail: each event carries the hash of the one before it.
CREATE TABLE audit (
    id         INTEGER PRIMARY KEY,
    at         INTEGER NOT NULL,
    user_id    INTEGER,
    username   TEXT NOT NULL,
    roles      TEXT NOT NULL,
    action     TEXT NOT NULL,
    entity     TEXT NOT NULL,
    entity_id  TEXT NOT NULL,
    remote     TEXT NOT NULL,
    request_id TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);
CREATE INDEX audit_by_entity ON audit (entity, entity_id, id);
CREATE INDEX audit_by_action ON audit (action, id);
CREATE INDEX audit_by_user ON audit (username, id);

CREATE TABLE rooms (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL
);
