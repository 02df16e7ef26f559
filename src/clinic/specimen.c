/* Specimens at the chair: making them (drawn from the patient or prepared from another), their
 * chain-of-custody events, their labels and the patient's wristband, each write in one
 * transaction with its audit event. */
#include "clinic/specimen.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clinic/specimen_id.h"
#include "core/clinic_tz.h"
#include "core/date.h"
#include "core/jsonin.h"
#include "core/text.h"

/* A procedure has a few tubes and syringes; a runaway list is an error, not a page. */
#define SPECIMENS_PER_PROCEDURE_MAX 200

static int
nomem(struct fail *f)
{
    return fail_set(f, ST_NOMEM, "", "internal", "out of memory");
}

/* Sets o[key] = v (taking the reference); clears *ok when either is missing. */
static void
put(json_t *o, const char *key, json_t *v, bool *ok)
{
    if (!o || !v || json_object_set_new(o, key, v) != 0) {
        json_decref(v);
        *ok = false;
    }
}

static json_t *
str_or_null(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

static json_t *
time_json(int64_t ms)
{
    char s[25];
    time_format_ms(ms, s);
    return json_string(s);
}

static json_t *
local_json(int64_t ms)
{
    char s[17];
    clinic_tz_format_local(ms, s);
    return json_string(s);
}

json_t *
specimen_user_json(int64_t id, const char *username, const char *display_name)
{
    return json_pack("{s:I, s:s, s:o}", "id", (json_int_t)id, "username", username ? username : "",
                     "display_name", str_or_null(display_name));
}

/* ---- kinds ---- */

static const struct kind_info {
    const char *kind;
    const char *parent; /* the kind it is prepared from; NULL: drawn from the patient */
    bool fat;           /* made from fat (adsc-hair), else from blood (PRP) */
    const char *label;  /* the default label, followed by the kind's ordinal */
    const char *short_en;
} kinds[] = {
    {"blood_tube", NULL, false, "Tube", "Blood"},
    {"prp", "blood_tube", false, "PRP syringe", "PRP"},
    {"fat_aspirate", NULL, true, "Fat aspirate", "Fat aspirate"},
    {"fat_graft", "fat_aspirate", true, "Fat graft syringe", "Fat graft"},
    {"cell_suspension", "fat_aspirate", true, "Cell suspension", "Cell suspension"},
};
static const char *const kind_names[] = {"blood_tube",      "prp", "fat_aspirate", "fat_graft",
                                         "cell_suspension", NULL};

static const struct kind_info *
kind_find(const char *kind)
{
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (strcmp(kinds[i].kind, kind) == 0)
            return &kinds[i];
    return NULL;
}

bool
specimen_kind_injectable(const char *kind)
{
    const struct kind_info *k = kind_find(kind);
    return k && k->parent;
}

static bool
treatment_is_fat(const char *treatment)
{
    return strcmp(treatment, "adsc-hair") == 0;
}

int
specimen_hours_parse(const char *value, int *hours, struct fail *f)
{
    char *end;
    errno = 0;
    long n = value ? strtol(value, &end, 10) : 0;
    if (!value || errno || end == value || *end || n < SPECIMEN_HOURS_MIN || n > SPECIMEN_HOURS_MAX)
        return fail_set(f, ST_INVALID, "specimen_hours", "out_of_range",
                        "specimen_hours must be a whole number of hours from %d to %d",
                        SPECIMEN_HOURS_MIN, SPECIMEN_HOURS_MAX);
    *hours = (int)n;
    return ST_OK;
}

/* ---- reading ---- */

int
specimen_procedure(struct db *db, int64_t id, struct db_procedure *out, struct fail *f)
{
    int st = db_procedure_get(db, id, out);
    if (st == ST_NOT_FOUND)
        return fail_set(f, ST_NOT_FOUND, "", "not_found", "procedure %lld does not exist",
                        (long long)id);
    return st == ST_OK ? ST_OK : db_fail(db, st, f);
}

/* The patient of a procedure or specimen (deleted or not: the record stays readable). */
static int
record_patient(struct db *db, int64_t id, struct db_patient *p, struct fail *f)
{
    int st = db_patient_get(db, id, p);
    if (st == ST_NOT_FOUND)
        return fail_set(f, ST_DB, "", "internal", "patient %lld of a procedure is missing",
                        (long long)id);
    return st == ST_OK ? ST_OK : db_fail(db, st, f);
}

/* "given family" of one script, or NULL when either part is missing; the caller frees. */
static char *
full_name(const char *given, const char *family)
{
    if (!given || !family)
        return NULL;
    size_t n = strlen(given) + strlen(family) + 2;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s %s", given, family);
    return s;
}

static json_t *
name_json(const char *given, const char *family)
{
    char *s = full_name(given, family);
    json_t *j = s ? json_string(s) : json_null();
    free(s);
    return j;
}

static json_t *
patient_brief(const struct db_patient *p)
{
    return json_pack("{s:I, s:s, s:{s:o, s:o}, s:s}", "id", (json_int_t)p->id, "mrn", p->mrn,
                     "name", "en", name_json(p->given_name, p->family_name), "ar",
                     name_json(p->given_name_ar, p->family_name_ar), "date_of_birth",
                     p->date_of_birth);
}

struct events_ctx {
    json_t *arr;
};

static int
event_row(void *ctx, const struct db_specimen_event *e)
{
    struct events_ctx *ec = ctx;
    json_t *o = json_object();
    bool ok = true;
    put(o, "event", json_string(e->event), &ok);
    put(o, "at", time_json(e->at_ms), &ok);
    put(o, "local", local_json(e->at_ms), &ok);
    put(o, "by", specimen_user_json(e->by, e->by_username, e->by_display_name), &ok);
    put(o, "note", str_or_null(e->note), &ok);
    if (!ok) {
        json_decref(o);
        return ST_NOMEM;
    }
    return json_array_append_new(ec->arr, o) == 0 ? ST_OK : ST_NOMEM;
}

/* A specimen in its API form with its events, inside the caller's transaction. */
static int
specimen_json(struct db *db, const struct db_specimen *s, const struct db_patient *pt, int64_t now,
              json_t **out, struct fail *f)
{
    struct events_ctx ec = {.arr = json_array()};
    *out = NULL;
    if (!ec.arr)
        return nomem(f);
    int st = db_specimen_events(db, s->id, event_row, &ec);
    if (st != ST_OK) {
        json_decref(ec.arr);
        return st == ST_NOMEM ? nomem(f) : db_fail(db, st, f);
    }
    json_t *o = json_object();
    bool ok = true;
    put(o, "id", json_string(s->id), &ok);
    put(o, "procedure_id", json_integer(s->procedure_id), &ok);
    put(o, "patient", patient_brief(pt), &ok);
    put(o, "kind", json_string(s->kind), &ok);
    put(o, "label", json_string(s->label), &ok);
    put(o, "volume_ml", s->has_volume ? json_real(s->volume_ml) : json_null(), &ok);
    put(o, "parent_id", str_or_null(s->parent_id), &ok);
    put(o, "collected_at", time_json(s->collected_ms), &ok);
    put(o, "collected_local", local_json(s->collected_ms), &ok);
    put(o, "expires_at", time_json(s->expires_ms), &ok);
    put(o, "expires_local", local_json(s->expires_ms), &ok);
    put(o, "expired", json_boolean(now >= s->expires_ms), &ok);
    put(o, "status", json_string(s->status), &ok);
    put(o, "events", ec.arr, &ok);
    if (!ok) {
        json_decref(o);
        return nomem(f);
    }
    *out = o;
    return ST_OK;
}

/* The specimen named by `id` (a path segment or a scan), ST_NOT_FOUND when none. */
static int
find_specimen(struct db *db, const char *id, struct db_specimen *s, struct fail *f)
{
    char canon[SPECIMEN_ID_MAX];
    memset(s, 0, sizeof(*s));
    int st = id ? specimen_id_parse(id, strlen(id), canon) : ST_INVALID;
    if (st == ST_OK)
        st = db_specimen_get(db, canon, s);
    else
        st = ST_NOT_FOUND;
    if (st == ST_NOT_FOUND)
        return fail_set(f, ST_NOT_FOUND, "", "not_found", "specimen '%s' does not exist",
                        id ? id : "");
    return st == ST_OK ? ST_OK : db_fail(db, st, f);
}

int
specimen_json_tx(struct db *db, const char *id, json_t **out, struct fail *f)
{
    struct db_specimen s;
    struct db_patient pt;
    *out = NULL;
    memset(&pt, 0, sizeof(pt));
    int st = find_specimen(db, id, &s, f);
    if (st == ST_OK)
        st = record_patient(db, s.patient_id, &pt, f);
    if (st == ST_OK)
        st = specimen_json(db, &s, &pt, time_now_ms(), out, f);
    db_specimen_release(&s);
    db_patient_release(&pt);
    return st;
}

int
specimen_read(struct db *db, const struct actor *a, const char *id, json_t **out, struct fail *f)
{
    *out = NULL;
    int st = db_begin_read(db);
    if (st != ST_OK)
        return db_fail(db, st, f);
    st = specimen_json_tx(db, id, out, f);
    db_rollback(db);
    if (st == ST_OK)
        audit_read(a, "specimen.read", "specimen", json_string_value(json_object_get(*out, "id")));
    return st;
}

struct list_ctx {
    struct db *db;
    const struct db_patient *pt;
    int64_t now;
    json_t *arr;
    struct fail *f;
    int st;
};

static int
list_row(void *ctx, const struct db_specimen *s)
{
    struct list_ctx *lc = ctx;
    json_t *o = NULL;
    if (json_array_size(lc->arr) >= SPECIMENS_PER_PROCEDURE_MAX) {
        lc->st = fail_set(lc->f, ST_DB, "", "internal", "procedure has more than %d specimens",
                          SPECIMENS_PER_PROCEDURE_MAX);
        return lc->st;
    }
    lc->st = specimen_json(lc->db, s, lc->pt, lc->now, &o, lc->f);
    if (lc->st == ST_OK && json_array_append_new(lc->arr, o) != 0)
        lc->st = nomem(lc->f);
    return lc->st;
}

int
specimen_list(struct db *db, const struct actor *a, int64_t procedure_id, json_t **out,
              struct fail *f)
{
    struct db_procedure proc;
    struct db_patient pt;
    struct list_ctx lc = {.db = db, .pt = &pt, .now = time_now_ms(), .f = f};
    char ids[24];

    *out = NULL;
    memset(&proc, 0, sizeof(proc));
    memset(&pt, 0, sizeof(pt));
    lc.arr = json_array();
    if (!lc.arr)
        return nomem(f);
    int st = db_begin_read(db);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    st = specimen_procedure(db, procedure_id, &proc, f);
    if (st == ST_OK)
        st = record_patient(db, proc.patient_id, &pt, f);
    if (st == ST_OK) {
        st = db_specimen_list(db, procedure_id, list_row, &lc);
        if (st != ST_OK && lc.st == ST_OK)
            st = db_fail(db, st, f);
    }
out:
    db_rollback(db);
    if (st == ST_OK) {
        snprintf(ids, sizeof(ids), "%lld", (long long)procedure_id);
        audit_read(a, "specimen.read", "procedure", ids);
        *out = json_pack("{s:O}", "specimens", lc.arr);
        if (!*out)
            st = nomem(f);
    }
    json_decref(lc.arr);
    db_procedure_release(&proc);
    db_patient_release(&pt);
    return st;
}

/* ---- making a specimen ---- */

struct new_specimen {
    const struct kind_info *kind;
    char *label;
    bool has_volume;
    double volume_ml;
    char *parent_id;
    bool has_collected;
    int64_t collected_ms;
};

static void
new_specimen_release(struct new_specimen *n)
{
    free(n->label);
    free(n->parent_id);
    memset(n, 0, sizeof(*n));
}

static int
parse_new(json_t *body, int64_t now, struct new_specimen *n, struct fail *f)
{
    static const char *const fields[] = {"kind",      "label",        "volume_ml",
                                         "parent_id", "collected_at", NULL};
    const char *kind = NULL;
    char *collected = NULL;

    memset(n, 0, sizeof(*n));
    int st = jsonin_only_fields(body, fields, f);
    if (st == ST_OK)
        st = jsonin_choice(body, "kind", kind_names, true, &kind, f);
    if (st == ST_OK)
        n->kind = kind_find(kind);
    if (st == ST_OK)
        st = jsonin_string(body, "label", SPECIMEN_LABEL_MAX, false, &n->label, f);
    if (st == ST_OK) {
        json_t *v = json_object_get(body, "volume_ml");
        if (v && !json_is_null(v)) {
            double ml = json_is_number(v) ? json_number_value(v) : 0;
            if (!json_is_number(v))
                st = fail_set(f, ST_INVALID, "volume_ml", "invalid_type",
                              "volume_ml must be a number of millilitres");
            else if (!(ml > 0 && ml <= SPECIMEN_VOLUME_MAX_ML))
                st = fail_set(f, ST_INVALID, "volume_ml", "out_of_range",
                              "volume_ml must be more than 0 and at most %.0f mL",
                              SPECIMEN_VOLUME_MAX_ML);
            n->has_volume = true;
            n->volume_ml = ml;
        }
    }
    if (st == ST_OK)
        st = jsonin_string(body, "parent_id", SPECIMEN_ID_MAX, false, &n->parent_id, f);
    if (st == ST_OK)
        st = jsonin_string(body, "collected_at", 30, false, &collected, f);
    if (st == ST_OK && collected) {
        if (strlen(collected) <= 10 || time_parse_iso(collected, &n->collected_ms) != ST_OK)
            st = fail_set(f, ST_INVALID, "collected_at", "invalid_date",
                          "collected_at '%s' is not a UTC time (YYYY-MM-DDTHH:MM:SS.sssZ)",
                          collected);
        else if (n->collected_ms > now + SPECIMEN_CLOCK_SKEW_MS)
            st = fail_set(f, ST_INVALID, "collected_at", "future_date",
                          "collected_at '%s' is in the future", collected);
        n->has_collected = true;
    }
    free(collected);
    if (st != ST_OK)
        new_specimen_release(n);
    return st;
}

/* The procedure and its patient, and whether specimens may still be made. */
static int
open_procedure(struct db *db, int64_t id, struct db_procedure *proc, struct db_patient *pt,
               struct fail *f)
{
    int st = specimen_procedure(db, id, proc, f);
    if (st == ST_OK)
        st = record_patient(db, proc->patient_id, pt, f);
    if (st == ST_OK && strcmp(proc->status, "open") != 0)
        st = fail_set(f, ST_CONFLICT, "", "invalid_transition",
                      "procedure %lld is %s: specimens are recorded only while it is open",
                      (long long)id, proc->status);
    return st;
}

/* Where a prepared specimen comes from: its parent, of this procedure and of the right kind. */
static int
check_parent(struct db *db, const struct new_specimen *n, int64_t procedure_id,
             struct db_specimen *parent, struct fail *f)
{
    char canon[SPECIMEN_ID_MAX];
    memset(parent, 0, sizeof(*parent));
    if (!n->parent_id)
        return fail_set(f, ST_INVALID, "parent_id", "required",
                        "a %s is prepared from a %s: give its parent_id", n->kind->kind,
                        n->kind->parent);
    if (n->has_collected)
        return fail_set(f, ST_INVALID, "collected_at", "invalid_value",
                        "a %s keeps the time its %s was drawn: leave collected_at out",
                        n->kind->kind, n->kind->parent);
    int st = specimen_id_parse(n->parent_id, strlen(n->parent_id), canon);
    if (st == ST_OK)
        st = db_specimen_get(db, canon, parent);
    else
        st = ST_NOT_FOUND;
    if (st == ST_OK && parent->procedure_id != procedure_id) {
        db_specimen_release(parent);
        st = ST_NOT_FOUND;
    }
    if (st == ST_NOT_FOUND)
        return fail_set(f, ST_INVALID, "parent_id", "invalid_value",
                        "parent_id '%s' is no specimen of this procedure", n->parent_id);
    if (st != ST_OK)
        return db_fail(db, st, f);
    if (strcmp(parent->kind, n->kind->parent) != 0)
        return fail_set(f, ST_INVALID, "parent_id", "invalid_value",
                        "a %s is prepared from a %s, and %s is a %s", n->kind->kind,
                        n->kind->parent, parent->id, parent->kind);
    if (strcmp(parent->status, "discarded") == 0)
        return fail_set(f, ST_CONFLICT, "parent_id", "specimen_discarded",
                        "%s was discarded: nothing is prepared from it", parent->id);
    return ST_OK;
}

static int
add_event(struct db *db, const struct actor *a, const char *id, const char *event, int64_t at,
          const char *note)
{
    struct db_specimen_event e;
    memset(&e, 0, sizeof(e));
    snprintf(e.specimen_id, sizeof(e.specimen_id), "%s", id);
    snprintf(e.event, sizeof(e.event), "%s", event);
    e.at_ms = at;
    e.by = a->user_id;
    e.note = (char *)note; /* borrowed: e is not released */
    return db_specimen_event_insert(db, &e);
}

int
specimen_create(struct db *db, const struct actor *a, int hours, int64_t procedure_id, json_t *body,
                json_t **out, struct fail *f)
{
    struct new_specimen n;
    struct db_procedure proc;
    struct db_patient pt;
    struct db_specimen parent, s;
    int64_t now = time_now_ms(), count = 0, seq = 0;
    char label[SPECIMEN_LABEL_MAX * 4 + 1];

    *out = NULL;
    memset(&proc, 0, sizeof(proc));
    memset(&pt, 0, sizeof(pt));
    memset(&parent, 0, sizeof(parent));
    memset(&s, 0, sizeof(s));
    if (hours < SPECIMEN_HOURS_MIN || hours > SPECIMEN_HOURS_MAX)
        hours = SPECIMEN_HOURS_DEFAULT;
    int st = parse_new(body, now, &n, f);
    if (st != ST_OK)
        return st;
    st = db_begin_write(db);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    st = open_procedure(db, procedure_id, &proc, &pt, f);
    if (st != ST_OK)
        goto out;
    if (n.kind->fat != treatment_is_fat(proc.treatment)) {
        st = fail_set(f, ST_CONFLICT, "kind", "wrong_treatment",
                      "a %s is not made in a %s procedure (%s)", n.kind->kind, proc.treatment,
                      treatment_is_fat(proc.treatment) ? "fat products only"
                                                       : "blood products only");
        goto out;
    }
    if (n.kind->parent) {
        st = check_parent(db, &n, procedure_id, &parent, f);
        if (st != ST_OK)
            goto out;
        s.collected_ms = parent.collected_ms;
        snprintf(s.parent_id, sizeof(s.parent_id), "%s", parent.id);
    } else if (n.parent_id) {
        st = fail_set(f, ST_INVALID, "parent_id", "invalid_value",
                      "a %s is drawn from the patient: it has no parent", n.kind->kind);
        goto out;
    } else {
        s.collected_ms = n.has_collected ? n.collected_ms : now;
        if (s.collected_ms < proc.started_ms - SPECIMEN_BEFORE_START_MS) {
            st = fail_set(f, ST_INVALID, "collected_at", "out_of_range",
                          "collected_at is more than an hour before the procedure started");
            goto out;
        }
    }
    st = db_specimen_count_kind(db, procedure_id, n.kind->kind, &count);
    if (st == ST_OK)
        st = db_specimen_next_seq(db, &seq);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    if (n.label)
        snprintf(label, sizeof(label), "%s", n.label);
    else
        snprintf(label, sizeof(label), "%s %lld", n.kind->label, (long long)count + 1);
    specimen_id_format(seq, s.id);
    s.procedure_id = procedure_id;
    s.patient_id = proc.patient_id;
    snprintf(s.kind, sizeof(s.kind), "%s", n.kind->kind);
    s.label = label; /* borrowed: s is not released */
    s.has_volume = n.has_volume;
    s.volume_ml = n.volume_ml;
    s.expires_ms = s.collected_ms + (int64_t)hours * 3600000;
    snprintf(s.status, sizeof(s.status), "active");
    s.created_ms = now;
    s.created_by = a->user_id;
    st = db_specimen_insert(db, &s);
    if (st == ST_OK)
        st = n.kind->parent ? add_event(db, a, s.id, "prepared", now, NULL)
                            : add_event(db, a, s.id, "drawn", s.collected_ms, NULL);
    if (st == ST_OK)
        st = audit_write(db, a, "specimen.create", "specimen", s.id);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    st = specimen_json(db, &s, &pt, now, out, f);
    if (st == ST_OK && (st = db_commit(db)) != ST_OK)
        st = db_fail(db, st, f);
out:
    if (st != ST_OK) {
        db_rollback(db);
        json_decref(*out);
        *out = NULL;
    }
    new_specimen_release(&n);
    db_specimen_release(&parent);
    db_procedure_release(&proc);
    db_patient_release(&pt);
    return st;
}

/* ---- events ---- */

int
specimen_add_event(struct db *db, const struct actor *a, const char *id, json_t *body, json_t **out,
                   struct fail *f)
{
    static const char *const fields[] = {"event", "note", NULL};
    static const char *const events[] = {"spun", "discarded", NULL};
    const char *event = NULL;
    char *note = NULL;
    struct db_specimen s;
    struct db_procedure proc;

    *out = NULL;
    memset(&s, 0, sizeof(s));
    memset(&proc, 0, sizeof(proc));
    int st = jsonin_only_fields(body, fields, f);
    if (st == ST_OK)
        st = jsonin_choice(body, "event", events, true, &event, f);
    if (st == ST_OK)
        st = jsonin_string(body, "note", SPECIMEN_NOTE_MAX, false, &note, f);
    bool discard = st == ST_OK && strcmp(event, "discarded") == 0;
    if (st == ST_OK && discard && !note)
        st = fail_set(f, ST_INVALID, "note", "required", "say why the specimen is discarded");
    if (st == ST_OK && discard && text_codepoints(note, strlen(note)) < SPECIMEN_DISCARD_NOTE_MIN)
        st = fail_set(f, ST_INVALID, "note", "too_short",
                      "the reason for discarding needs at least %d characters",
                      SPECIMEN_DISCARD_NOTE_MIN);
    if (st != ST_OK)
        goto out;
    st = db_begin_write(db);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    st = find_specimen(db, id, &s, f);
    if (st == ST_OK)
        st = specimen_procedure(db, s.procedure_id, &proc, f);
    if (st != ST_OK)
        goto out;
    if (strcmp(s.status, "active") != 0) {
        st = fail_set(f, ST_CONFLICT, "event", "invalid_transition",
                      "%s is %s: its chain of custody is closed", s.id, s.status);
        goto out;
    }
    if (!discard && strcmp(proc.status, "open") != 0) {
        st = fail_set(f, ST_CONFLICT, "event", "invalid_transition",
                      "the procedure of %s is %s: only discarding is recorded now", s.id,
                      proc.status);
        goto out;
    }
    if (discard)
        st = db_specimen_mark(db, s.id, "discarded", event, time_now_ms(), a->user_id, note);
    else
        st = add_event(db, a, s.id, event, time_now_ms(), note);
    if (st == ST_OK)
        st = audit_write(db, a, "specimen.event", "specimen", s.id);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    st = specimen_json_tx(db, s.id, out, f);
    if (st == ST_OK && (st = db_commit(db)) != ST_OK)
        st = db_fail(db, st, f);
out:
    if (st != ST_OK) {
        db_rollback(db);
        json_decref(*out);
        *out = NULL;
    }
    free(note);
    db_specimen_release(&s);
    db_procedure_release(&proc);
    return st;
}

/* ---- labels and wristbands ---- */

/* The printable strings of one label; the specimen itself stays with the caller. */
struct label_row {
    struct db_specimen s;
    char collected[17], expires[17];
};

struct label_set {
    struct label_row *rows;
    size_t n, cap;
};

static int
collect_active(void *ctx, const struct db_specimen *s)
{
    struct label_set *ls = ctx;
    if (strcmp(s->status, "active") != 0)
        return ST_OK;
    if (ls->n == ls->cap)
        return ST_TOO_BIG;
    struct label_row *r = &ls->rows[ls->n];
    memset(r, 0, sizeof(*r));
    r->s = *s;
    /* The label is the one string the callback's record owns: keep a copy. */
    r->s.label = strdup(s->label);
    if (!r->s.label)
        return ST_NOMEM;
    ls->n++;
    return ST_OK;
}

int
specimen_print_labels(struct db *db, const struct actor *a, int64_t procedure_id,
                      const char *specimen_id, specimen_label_render_fn render, void *ctx,
                      struct fail *f)
{
    struct db_procedure proc;
    struct db_patient pt;
    struct label_set ls = {.cap = SPECIMENS_PER_PROCEDURE_MAX};
    struct specimen_label *items = NULL;
    char *name_en = NULL, *name_ar = NULL;

    memset(&proc, 0, sizeof(proc));
    memset(&pt, 0, sizeof(pt));
    ls.rows = calloc(ls.cap, sizeof(*ls.rows));
    items = calloc(ls.cap, sizeof(*items));
    if (!ls.rows || !items) {
        free(ls.rows);
        free(items);
        return nomem(f);
    }
    int st = db_begin_write(db);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    if (specimen_id) {
        st = find_specimen(db, specimen_id, &ls.rows[0].s, f);
        if (st != ST_OK)
            goto out;
        ls.n = 1;
        procedure_id = ls.rows[0].s.procedure_id;
        if (strcmp(ls.rows[0].s.status, "active") != 0) {
            st = fail_set(f, ST_CONFLICT, "", "invalid_transition",
                          "%s is %s: labels are printed only for specimens in use", ls.rows[0].s.id,
                          ls.rows[0].s.status);
            goto out;
        }
    }
    st = specimen_procedure(db, procedure_id, &proc, f);
    if (st == ST_OK)
        st = record_patient(db, proc.patient_id, &pt, f);
    if (st != ST_OK)
        goto out;
    if (!specimen_id) {
        st = db_specimen_list(db, procedure_id, collect_active, &ls);
        if (st != ST_OK) {
            st = st == ST_NOMEM ? nomem(f) : db_fail(db, st, f);
            goto out;
        }
        if (ls.n == 0) {
            st =
                fail_set(f, ST_CONFLICT, "", "no_specimens",
                         "procedure %lld has no specimen in use to label", (long long)procedure_id);
            goto out;
        }
    }
    name_en = full_name(pt.given_name, pt.family_name);
    name_ar = full_name(pt.given_name_ar, pt.family_name_ar);
    int64_t now = time_now_ms();
    for (size_t i = 0; i < ls.n; i++) {
        struct label_row *r = &ls.rows[i];
        const struct kind_info *k = kind_find(r->s.kind);
        clinic_tz_format_local(r->s.collected_ms, r->collected);
        clinic_tz_format_local(r->s.expires_ms, r->expires);
        items[i] = (struct specimen_label){
            .specimen_id = r->s.id,
            .name_en = name_en ? name_en : "",
            .name_ar = name_ar ? name_ar : "",
            .mrn = pt.mrn,
            .date_of_birth = pt.date_of_birth,
            .collected_local = r->collected,
            .kind_en = k ? k->short_en : r->s.kind,
            .expires_local = r->expires,
        };
        st = add_event(db, a, r->s.id, "label_printed", now, NULL);
        if (st == ST_OK)
            st = audit_write(db, a, "specimen.label", "specimen", r->s.id);
        if (st != ST_OK) {
            st = db_fail(db, st, f);
            goto out;
        }
    }
    st = render(ctx, items, ls.n, f);
    if (st == ST_OK && (st = db_commit(db)) != ST_OK)
        st = db_fail(db, st, f);
out:
    if (st != ST_OK)
        db_rollback(db);
    for (size_t i = 0; i < ls.cap; i++) /* the rows not filled are zero: nothing to free */
        db_specimen_release(&ls.rows[i].s);
    free(ls.rows);
    free(items);
    free(name_en);
    free(name_ar);
    db_procedure_release(&proc);
    db_patient_release(&pt);
    return st;
}

int
specimen_print_wristband(struct db *db, const struct actor *a, int64_t patient_id,
                         specimen_wristband_render_fn render, void *ctx, struct fail *f)
{
    struct db_patient pt;
    char *name_en = NULL, *name_ar = NULL, ids[24];

    memset(&pt, 0, sizeof(pt));
    int st = db_begin_read(db);
    if (st != ST_OK)
        return db_fail(db, st, f);
    st = db_patient_get(db, patient_id, &pt);
    db_rollback(db);
    if (st == ST_NOT_FOUND || (st == ST_OK && pt.deleted)) {
        st = fail_set(f, ST_NOT_FOUND, "", "not_found", "patient %lld does not exist",
                      (long long)patient_id);
        goto out;
    }
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    name_en = full_name(pt.given_name, pt.family_name);
    name_ar = full_name(pt.given_name_ar, pt.family_name_ar);
    struct specimen_wristband w = {
        .mrn = pt.mrn,
        .name_en = name_en ? name_en : "",
        .name_ar = name_ar ? name_ar : "",
        .date_of_birth = pt.date_of_birth,
    };
    st = render(ctx, &w, f);
    if (st == ST_OK) {
        snprintf(ids, sizeof(ids), "%lld", (long long)patient_id);
        audit_read(a, "wristband.print", "patient", ids);
    }
out:
    free(name_en);
    free(name_ar);
    db_patient_release(&pt);
    return st;
}
