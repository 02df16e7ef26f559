/* Lab results: manual entry checked against protocols/labs.json, deletion with a reason, the
 * CSV import (preview and commit), and the plain list screening reads. */
#include "clinic/labresult.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clinic/labs_csv.h"
#include "core/crypto.h"
#include "core/date.h"
#include "core/jsonin.h"

#define MS_PER_DAY 86400000LL
/* The earliest zone, UTC+14:00: a calendar day begins there first. */
#define EARLIEST_ZONE_MS (14LL * 3600 * 1000)
#define ANALYTE_MAX_CHARS 200
#define MEASURED_AT_MAX_CHARS 40

static void
id_str(int64_t id, char out[24])
{
    snprintf(out, 24, "%lld", (long long)id);
}

static json_t *
str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* Copies s into a fixed field; false when it does not fit (never expected of labs.json's
 * codes and symbols, which the record's fields are sized for). */
static bool
copy_fits(char *dst, size_t cap, const char *s)
{
    int n = snprintf(dst, cap, "%s", s);
    return n >= 0 && (size_t)n < cap;
}

/* The accepted units of an analyte for a message: "g/dL, g/L". */
static void
unit_list(const struct labs_analyte *a, char *out, size_t cap)
{
    size_t used = 0;

    out[0] = '\0';
    for (size_t i = 0; i < a->nunits && used < cap; i++) {
        int w = snprintf(out + used, cap - used, "%s%s", i ? ", " : "", a->units[i].symbol);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

/* An optional (or required) number of 0 or more. */
static int
number_field(json_t *obj, const char *key, bool required, bool *present, double *out,
             struct fail *f)
{
    json_t *v = json_object_get(obj, key);

    *present = false;
    *out = 0;
    if (!v || json_is_null(v)) {
        if (required)
            return fail_set(f, ST_INVALID, key, "required", "field '%s' is required", key);
        return ST_OK;
    }
    if (!json_is_number(v))
        return fail_set(f, ST_INVALID, key, "invalid_type", "field '%s' must be a number", key);
    double d = json_number_value(v);
    if (!isfinite(d) || d < 0)
        return fail_set(f, ST_INVALID, key, "out_of_range",
                        "field '%s' must be a number of 0 or more", key);
    /* -0 is stored and shown as 0. */
    *out = d == 0 ? 0 : d;
    *present = true;
    return ST_OK;
}

bool
labresult_in_future(int64_t ms, bool date_only, int64_t now_ms)
{
    if (date_only)
        return ms - EARLIEST_ZONE_MS > now_ms;
    return ms > now_ms + LABRESULT_CLOCK_SKEW_MS;
}

/* "YYYY-MM-DD" (date_only) or a UTC time, from 1900 on and not in the future. */
static int
parse_measured_at(const char *s, int64_t now_ms, int64_t *ms, bool *date_only, struct fail *f)
{
    static const struct date earliest = {1900, 1, 1};
    struct date d;

    *ms = 0;
    *date_only = strlen(s) == 10;
    if (*date_only ? date_parse(s, &d) != ST_OK : time_parse_iso(s, ms) != ST_OK)
        return fail_set(f, ST_INVALID, "measured_at", "invalid_date",
                        "measured_at '%s' is not a date (YYYY-MM-DD) or a time "
                        "(YYYY-MM-DDTHH:MM:SS.sssZ)",
                        s);
    if (*date_only)
        *ms = date_to_days(&d) * MS_PER_DAY;
    if (*ms < date_to_days(&earliest) * MS_PER_DAY)
        return fail_set(f, ST_INVALID, "measured_at", "invalid_date",
                        "measured_at '%s' is before 1900", s);
    if (labresult_in_future(*ms, *date_only, now_ms))
        return fail_set(f, ST_INVALID, "measured_at", "future_date",
                        "measured_at '%s' is in the future", s);
    return ST_OK;
}

int
labresult_parse(const struct labs *table, json_t *body, int64_t now_ms, struct db_lab *out,
                struct fail *f)
{
    static const char *const fields[] = {"analyte",       "value",          "unit", "measured_at",
                                         "reference_low", "reference_high", NULL};
    char *analyte_s = NULL, *unit_s = NULL, *when_s = NULL;
    const struct labs_analyte *a = NULL;
    const struct labs_unit *u = NULL;
    bool present;
    char units[200];

    memset(out, 0, sizeof(*out));
    int st = jsonin_only_fields(body, fields, f);
    if (st == ST_OK)
        st = jsonin_string(body, "analyte", ANALYTE_MAX_CHARS, true, &analyte_s, f);
    if (st != ST_OK)
        goto out;
    a = labs_find_name(table, analyte_s, strlen(analyte_s));
    if (!a) {
        st = fail_set(f, ST_INVALID, "analyte", "unknown_analyte", "'%s' is not a known analyte",
                      analyte_s);
        goto out;
    }
    st = number_field(body, "value", true, &present, &out->value, f);
    if (st == ST_OK)
        st = jsonin_string(body, "unit", LABS_UNIT_MAX_BYTES, true, &unit_s, f);
    if (st != ST_OK)
        goto out;
    u = labs_unit_parse(a, unit_s);
    if (!u) {
        unit_list(a, units, sizeof(units));
        st = fail_set(f, ST_INVALID, "unit", "unknown_unit",
                      "'%s' is not a unit of %s (accepted: %s)", unit_s, a->label_en, units);
        goto out;
    }
    st = jsonin_string(body, "measured_at", MEASURED_AT_MAX_CHARS, true, &when_s, f);
    if (st == ST_OK)
        st = parse_measured_at(when_s, now_ms, &out->measured_ms, &out->date_only, f);
    if (st == ST_OK)
        st = number_field(body, "reference_low", false, &out->has_low, &out->reference_low, f);
    if (st == ST_OK)
        st = number_field(body, "reference_high", false, &out->has_high, &out->reference_high, f);
    if (st != ST_OK)
        goto out;
    if (out->has_low && out->has_high && out->reference_low > out->reference_high) {
        st = fail_set(f, ST_INVALID, "reference_high", "invalid_range",
                      "reference_high %g is below reference_low %g", out->reference_high,
                      out->reference_low);
        goto out;
    }
    if (labs_to_canonical(a, out->value, u, &out->canonical_value) != ST_OK) {
        st = fail_set(f, ST_INVALID, "value", "out_of_range", "%g %s cannot be converted to %s",
                      out->value, u->symbol, a->canonical->symbol);
        goto out;
    }
    if (!copy_fits(out->analyte, sizeof(out->analyte), a->code) ||
        !copy_fits(out->unit, sizeof(out->unit), u->symbol) ||
        !copy_fits(out->canonical_unit, sizeof(out->canonical_unit), a->canonical->symbol)) {
        st = fail_set(f, ST_INVALID, "analyte", "too_long",
                      "the code or a unit of '%s' is too long to be stored", a->code);
        goto out;
    }
    snprintf(out->source, sizeof(out->source), "manual");
out:
    free(analyte_s);
    free(unit_s);
    free(when_s);
    if (st != ST_OK)
        db_lab_release(out);
    return st;
}

static json_t *
user_json(int64_t id, const char *username)
{
    if (id <= 0)
        return json_null();
    return json_pack("{s:I, s:o}", "id", (json_int_t)id, "username",
                     str_or_null(username && *username ? username : NULL));
}

static json_t *
label_json(const struct labs *table, const char *code)
{
    const struct labs_analyte *a = table ? labs_find(table, code) : NULL;
    return json_pack("{s:s, s:s}", "en", a ? a->label_en : code, "ar", a ? a->label_ar : code);
}

static json_t *
time_json(int64_t ms)
{
    char s[25];
    time_format_ms(ms, s);
    return json_string(s);
}

/* "low" or "high" when the value lies outside the range the laboratory gave. */
static const char *
flag_of(const struct db_lab *l)
{
    if (l->has_low && l->value < l->reference_low)
        return "low";
    if (l->has_high && l->value > l->reference_high)
        return "high";
    return NULL;
}

json_t *
labresult_to_json(const struct labs *table, const struct db_lab *l, const char *deleted_by_name)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    const char *flag = flag_of(l);
    json_object_set_new(o, "id", json_integer(l->id));
    json_object_set_new(o, "patient_id", json_integer(l->patient_id));
    json_object_set_new(o, "analyte", json_string(l->analyte));
    json_object_set_new(o, "label", label_json(table, l->analyte));
    json_object_set_new(o, "measured_at", time_json(l->measured_ms));
    json_object_set_new(o, "date_only", json_boolean(l->date_only));
    json_object_set_new(o, "value", json_real(l->value));
    json_object_set_new(o, "unit", json_string(l->unit));
    json_object_set_new(
        o, "canonical",
        json_pack("{s:f, s:s}", "value", l->canonical_value, "unit", l->canonical_unit));
    json_object_set_new(o, "reference_low", l->has_low ? json_real(l->reference_low) : json_null());
    json_object_set_new(o, "reference_high",
                        l->has_high ? json_real(l->reference_high) : json_null());
    json_object_set_new(o, "flag", str_or_null(flag));
    json_object_set_new(o, "source", json_string(l->source));
    json_object_set_new(o, "import_id", l->import_id ? json_integer(l->import_id) : json_null());
    json_object_set_new(o, "entered_at", time_json(l->entered_ms));
    json_object_set_new(o, "entered_by", user_json(l->entered_by, l->entered_by_name));
    json_object_set_new(o, "deleted", json_boolean(l->deleted));
    json_object_set_new(o, "deleted_at", l->deleted ? time_json(l->deleted_ms) : json_null());
    json_object_set_new(o, "deleted_by",
                        l->deleted ? user_json(l->deleted_by, deleted_by_name) : json_null());
    json_object_set_new(o, "delete_reason", str_or_null(l->deleted ? l->delete_reason : NULL));
    return o;
}

static int
patient_not_found(int64_t id, struct fail *f)
{
    return fail_set(f, ST_NOT_FOUND, "", "not_found", "patient %lld does not exist", (long long)id);
}

/* The patient inside the open transaction: ST_NOT_FOUND (filled in `f`) when missing or
 * soft-deleted. `mrn` (may be NULL) receives the MRN. */
static int
live_patient(struct db *db, int64_t id, char mrn[24], struct fail *f)
{
    struct db_patient p;
    int st = db_patient_get(db, id, &p);
    if (st == ST_OK && p.deleted)
        st = ST_NOT_FOUND;
    if (st == ST_OK && mrn)
        memcpy(mrn, p.mrn, sizeof(p.mrn));
    db_patient_release(&p);
    if (st == ST_NOT_FOUND)
        return patient_not_found(id, f);
    if (st != ST_OK)
        return db_fail(db, st, f);
    return ST_OK;
}

int
labresult_create(struct db *db, const struct actor *a, const struct labs *table, int64_t patient_id,
                 json_t *body, json_t **out, struct fail *f)
{
    struct db_lab l;
    char ids[24];

    *out = NULL;
    int64_t now = time_now_ms();
    int st = labresult_parse(table, body, now, &l, f);
    if (st != ST_OK)
        return st;
    l.patient_id = patient_id;
    l.entered_ms = now;
    l.entered_by = a->user_id;
    snprintf(l.entered_by_name, sizeof(l.entered_by_name), "%s", a->username);
    st = db_begin_write(db);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    st = live_patient(db, patient_id, NULL, f);
    if (st != ST_OK)
        goto out;
    st = db_lab_insert(db, &l);
    if (st == ST_OK) {
        id_str(l.id, ids);
        st = audit_write(db, a, "lab.create", "lab", ids);
    }
    if (st == ST_OK)
        st = db_commit(db);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    *out = labresult_to_json(table, &l, NULL);
    if (!*out)
        st = fail_set(f, ST_NOMEM, "", "internal", "out of memory");
out:
    if (st != ST_OK)
        db_rollback(db);
    db_lab_release(&l);
    return st;
}

struct list_ctx {
    struct db *db;
    const struct labs *table;
    json_t *items;
};

static int
list_item(void *ctx, const struct db_lab *l)
{
    struct list_ctx *c = ctx;
    struct db_user u;
    const char *name = NULL;

    memset(&u, 0, sizeof(u));
    if (l->deleted && l->deleted_by > 0) {
        int st = db_user_get(c->db, l->deleted_by, &u);
        if (st != ST_OK && st != ST_NOT_FOUND)
            return st;
        if (st == ST_OK)
            name = u.username;
    }
    json_t *o = labresult_to_json(c->table, l, name);
    db_user_release(&u);
    if (!o || json_array_append_new(c->items, o) != 0)
        return ST_NOMEM;
    return 0;
}

int
labresult_list(struct db *db, const struct actor *a, const struct labs *table, int64_t patient_id,
               bool include_deleted, json_t **out, struct fail *f)
{
    struct list_ctx c = {db, table, json_array()};
    char ids[24];

    *out = NULL;
    if (!c.items)
        return fail_set(f, ST_NOMEM, "", "internal", "out of memory");
    int st = db_begin_read(db);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    st = live_patient(db, patient_id, NULL, f);
    if (st == ST_OK) {
        st = db_lab_list(db, patient_id, include_deleted, list_item, &c);
        if (st != ST_OK)
            st = db_fail(db, st, f);
    }
    db_rollback(db);
    if (st != ST_OK)
        goto out;
    id_str(patient_id, ids);
    audit_read(a, "lab.list", "patient", ids);
    *out = json_pack("{s:O}", "items", c.items);
out:
    json_decref(c.items);
    return st;
}

int
labresult_delete(struct db *db, const struct actor *a, int64_t id, json_t *body, struct fail *f)
{
    static const char *const fields[] = {"reason", NULL};
    char *reason = NULL;
    struct db_lab l;
    char ids[24];

    memset(&l, 0, sizeof(l));
    int st = jsonin_only_fields(body, fields, f);
    if (st == ST_OK)
        st = jsonin_string(body, "reason", LABRESULT_REASON_MAX, true, &reason, f);
    if (st != ST_OK)
        goto out;
    st = db_begin_write(db);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    st = db_lab_get(db, id, &l);
    if (st == ST_NOT_FOUND) {
        st = fail_set(f, ST_NOT_FOUND, "", "not_found", "lab result %lld does not exist",
                      (long long)id);
        goto out;
    }
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    /* A result of a soft-deleted patient is as hidden as the patient. */
    st = live_patient(db, l.patient_id, NULL, f);
    if (st == ST_NOT_FOUND) {
        st = fail_set(f, ST_NOT_FOUND, "", "not_found", "lab result %lld does not exist",
                      (long long)id);
        goto out;
    }
    if (st != ST_OK)
        goto out;
    st = db_lab_mark_deleted(db, id, time_now_ms(), a->user_id, reason);
    if (st == ST_CONFLICT) {
        st = fail_set(f, ST_CONFLICT, "", "conflict", "lab result %lld is already deleted",
                      (long long)id);
        goto out;
    }
    if (st == ST_OK) {
        id_str(id, ids);
        st = audit_write(db, a, "lab.delete", "lab", ids);
    }
    if (st == ST_OK)
        st = db_commit(db);
    if (st != ST_OK)
        st = db_fail(db, st, f);
out:
    if (st != ST_OK)
        db_rollback(db);
    db_lab_release(&l);
    free(reason);
    return st;
}

/* ---- the import ---- */

struct import_req {
    const char *csv; /* borrowed from the body */
    size_t len;
    char *file_name;
    int64_t tz_offset_min;
    bool commit;
    bool skip_invalid;
};

static int
import_parse(json_t *body, struct import_req *q, struct fail *f)
{
    static const char *const fields[] = {"csv",    "file_name",    "tz_offset_min",
                                         "commit", "skip_invalid", NULL};
    bool present;

    memset(q, 0, sizeof(*q));
    int st = jsonin_only_fields(body, fields, f);
    if (st != ST_OK)
        return st;
    json_t *csv = json_object_get(body, "csv");
    if (!csv || json_is_null(csv))
        return fail_set(f, ST_INVALID, "csv", "required", "field 'csv' is required");
    if (!json_is_string(csv))
        return fail_set(f, ST_INVALID, "csv", "invalid_type",
                        "field 'csv' must be the text of the file");
    /* Taken as sent, not trimmed: its hash recognises the same file imported again. */
    q->csv = json_string_value(csv);
    q->len = json_string_length(csv);
    if (q->len > LABS_CSV_MAX_BYTES)
        return fail_set(f, ST_TOO_BIG, "csv", "too_big",
                        "the file is larger than %u MiB (%u bytes); split it into smaller files",
                        LABS_CSV_MAX_BYTES >> 20, LABS_CSV_MAX_BYTES);
    st = jsonin_int(body, "tz_offset_min", -840, 840, false, &present, &q->tz_offset_min, f);
    if (st == ST_OK)
        st = jsonin_bool(body, "commit", false, &present, &q->commit, f);
    if (st == ST_OK)
        st = jsonin_bool(body, "skip_invalid", false, &present, &q->skip_invalid, f);
    if (st == ST_OK)
        st = jsonin_string(body, "file_name", LABRESULT_FILE_NAME_MAX, false, &q->file_name, f);
    return st;
}

static int
column_index(const char *field)
{
    for (int c = 0; c < LABS_CSV_NCOLUMNS; c++)
        if (!strcmp(field, labs_csv_column_name((enum labs_csv_column)c)))
            return c;
    return LABS_CSV_NCOLUMNS; /* the row as a whole: after its columns */
}

static bool
has_error_on(const struct labs_csv_row *row, enum labs_csv_column c)
{
    const char *name = labs_csv_column_name(c);
    for (size_t i = 0; i < row->nerrors; i++)
        if (!strcmp(row->errors[i].field, name))
            return true;
    return false;
}

static int row_add_error(struct labs_csv_row *row, enum labs_csv_column c, const char *code,
                         const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Adds an error of this clinic's own checks to a row, keeping the errors in column order. */
static int
row_add_error(struct labs_csv_row *row, enum labs_csv_column c, const char *code, const char *fmt,
              ...)
{
    char problem[200];
    va_list ap;
    const char *name = labs_csv_column_name(c);
    struct fail *grown = realloc(row->errors, (row->nerrors + 1) * sizeof(*grown));

    if (!grown)
        return ST_NOMEM;
    row->errors = grown;
    size_t at = row->nerrors;
    while (at > 0 && column_index(grown[at - 1].field) > (int)c)
        at--;
    memmove(&grown[at + 1], &grown[at], (row->nerrors - at) * sizeof(*grown));
    row->nerrors++;
    va_start(ap, fmt);
    vsnprintf(problem, sizeof(problem), fmt, ap);
    va_end(ap);
    fail_set(&grown[at], ST_INVALID, name, code, "row %zu, column '%s': %s", row->row, name,
             problem);
    return ST_OK;
}

/* The clinic's checks on top of labs_csv: a row for another patient (its MRN) and a
 * measurement in the future. `date_ok`/`value_ok` record which columns parsed. */
static int
check_rows(struct labs_csv_preview *p, const char *mrn, int64_t now_ms, bool *date_ok,
           bool *value_ok)
{
    for (size_t i = 0; i < p->nrows; i++) {
        struct labs_csv_row *row = &p->rows[i];
        const char *row_mrn = row->text[LABS_CSV_MRN];
        int st = ST_OK;
        date_ok[i] = row->text[LABS_CSV_DATE] && !has_error_on(row, LABS_CSV_DATE);
        value_ok[i] = row->text[LABS_CSV_VALUE] && !has_error_on(row, LABS_CSV_VALUE);
        if (row_mrn && *row_mrn && !has_error_on(row, LABS_CSV_MRN) && strcmp(row_mrn, mrn))
            st = row_add_error(row, LABS_CSV_MRN, "mrn_mismatch",
                               "'%s' is not this patient's medical record number (%s)", row_mrn,
                               mrn);
        if (st == ST_OK && date_ok[i] && labresult_in_future(row->time_ms, row->date_only, now_ms))
            st = row_add_error(row, LABS_CSV_DATE, "future_date", "'%s' is in the future",
                               row->text[LABS_CSV_DATE]);
        if (st != ST_OK)
            return st;
        if (row->ok && row->nerrors > 0) {
            row->ok = false;
            p->nok--;
            p->nfailed++;
        }
    }
    return ST_OK;
}

static json_t *
number_or_null(bool has, double v)
{
    return has ? json_real(v) : json_null();
}

static json_t *
preview_row_json(const struct labs_csv_row *row, bool date_ok, bool value_ok)
{
    json_t *errors = json_array();
    for (size_t i = 0; errors && i < row->nerrors; i++) {
        const struct fail *e = &row->errors[i];
        json_t *o =
            json_pack("{s:s, s:o, s:s}", "code", e->code, "field",
                      e->field[0] ? json_string(e->field) : json_null(), "message", e->message);
        if (!o || json_array_append_new(errors, o) != 0) {
            json_decref(errors);
            return NULL;
        }
    }
    if (!errors)
        return NULL;
    const struct labs_analyte *a = row->analyte;
    json_t *o = json_object();
    if (!o) {
        json_decref(errors);
        return NULL;
    }
    json_object_set_new(o, "row", json_integer((json_int_t)row->row));
    json_object_set_new(o, "ok", json_boolean(row->ok));
    json_object_set_new(o, "analyte", a ? json_string(a->code) : json_null());
    json_object_set_new(o, "label",
                        a ? json_pack("{s:s, s:s}", "en", a->label_en, "ar", a->label_ar)
                          : json_null());
    json_object_set_new(o, "measured_at", date_ok ? time_json(row->time_ms) : json_null());
    json_object_set_new(o, "date_only", date_ok ? json_boolean(row->date_only) : json_null());
    json_object_set_new(o, "value", number_or_null(value_ok, row->value));
    json_object_set_new(o, "unit", row->unit ? json_string(row->unit->symbol) : json_null());
    json_object_set_new(o, "reference_low", number_or_null(row->has_low, row->reference_low));
    json_object_set_new(o, "reference_high", number_or_null(row->has_high, row->reference_high));
    json_object_set_new(o, "errors", errors);
    return o;
}

static json_t *
preview_json(const struct labs_csv_preview *p, const bool *date_ok, const bool *value_ok)
{
    json_t *rows = json_array();
    for (size_t i = 0; rows && i < p->nrows; i++) {
        json_t *o = preview_row_json(&p->rows[i], date_ok[i], value_ok[i]);
        if (!o || json_array_append_new(rows, o) != 0) {
            json_decref(rows);
            rows = NULL;
        }
    }
    if (!rows)
        return NULL;
    return json_pack("{s:o, s:I, s:I, s:b}", "rows", rows, "nok", (json_int_t)p->nok, "nfailed",
                     (json_int_t)p->nfailed, "committed", 0);
}

/* Saves the valid rows under a new lab_imports row, inside the open write transaction. */
static int
save_rows(struct db *db, const struct actor *a, int64_t patient_id, const struct import_req *q,
          const struct labs_csv_preview *p, int64_t now, int64_t *import_id, struct fail *f)
{
    struct db_lab_import li = {
        .patient_id = patient_id,
        .file_name = q->file_name,
        .rows = (int64_t)p->nok,
        .imported_ms = now,
        .imported_by = a->user_id,
    };
    crypto_sha256_hex(q->csv, q->len, li.sha256);
    int st = db_lab_import_insert(db, &li);
    if (st == ST_CONFLICT)
        return fail_set(f, ST_CONFLICT, "csv", "already_imported",
                        "this file was already imported for this patient");
    if (st != ST_OK)
        return db_fail(db, st, f);
    *import_id = li.id;
    for (size_t i = 0; i < p->nrows && st == ST_OK; i++) {
        const struct labs_csv_row *row = &p->rows[i];
        if (!row->ok)
            continue;
        struct db_lab l = {
            .patient_id = patient_id,
            .measured_ms = row->time_ms,
            .date_only = row->date_only,
            .value = row->value,
            .canonical_value = row->canonical,
            .has_low = row->has_low,
            .has_high = row->has_high,
            .reference_low = row->reference_low,
            .reference_high = row->reference_high,
            .import_id = li.id,
            .entered_ms = now,
            .entered_by = a->user_id,
        };
        if (!copy_fits(l.analyte, sizeof(l.analyte), row->analyte->code) ||
            !copy_fits(l.unit, sizeof(l.unit), row->unit->symbol) ||
            !copy_fits(l.canonical_unit, sizeof(l.canonical_unit), row->analyte->canonical->symbol))
            return fail_set(f, ST_INVALID, "csv", "too_long",
                            "row %zu: the code or a unit of '%s' is too long to be stored",
                            row->row, row->analyte->code);
        snprintf(l.source, sizeof(l.source), "import");
        st = db_lab_insert(db, &l);
    }
    if (st != ST_OK)
        return db_fail(db, st, f);
    return ST_OK;
}

int
labresult_import(struct db *db, const struct actor *a, const struct labs *table, int64_t patient_id,
                 json_t *body, json_t **out, bool *committed, struct fail *f)
{
    struct import_req q;
    struct labs_csv_preview p;
    bool *date_ok = NULL, *value_ok = NULL;
    char mrn[24], ids[24];
    int64_t import_id = 0;
    bool in_tx = false;

    *out = NULL;
    *committed = false;
    memset(&p, 0, sizeof(p));
    int st = import_parse(body, &q, f);
    if (st != ST_OK)
        goto out;
    /* The file is read before the transaction: the write lock is held for the saving only. */
    st = labs_csv_parse(table, q.csv, q.len, (int)q.tz_offset_min, &p, f);
    if (st != ST_OK) {
        if (st == ST_INVALID || st == ST_TOO_BIG)
            snprintf(f->field, sizeof(f->field), "csv");
        else
            st = fail_set(f, st, "", "internal", "the file could not be read: out of memory");
        goto out;
    }
    date_ok = calloc(p.nrows + 1, sizeof(*date_ok));
    value_ok = calloc(p.nrows + 1, sizeof(*value_ok));
    if (!date_ok || !value_ok) {
        st = fail_set(f, ST_NOMEM, "", "internal", "out of memory");
        goto out;
    }
    st = q.commit ? db_begin_write(db) : db_begin_read(db);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    in_tx = true;
    st = live_patient(db, patient_id, mrn, f);
    if (st != ST_OK)
        goto out;
    int64_t now = time_now_ms();
    st = check_rows(&p, mrn, now, date_ok, value_ok);
    if (st != ST_OK) {
        st = fail_set(f, st, "", "internal", "out of memory");
        goto out;
    }
    id_str(patient_id, ids);
    if (q.commit) {
        if (p.nfailed > 0 && (!q.skip_invalid || p.nok == 0)) {
            st = fail_set(f, ST_INVALID, "csv", "import_has_errors",
                          p.nok == 0 ? "none of the %zu rows can be imported: nothing was saved"
                                     : "%zu of the rows have errors: nothing was saved (correct "
                                       "them, or import only the valid rows)",
                          p.nok == 0 ? p.nrows : p.nfailed);
            goto out;
        }
        if (p.nok == 0) {
            st = fail_set(f, ST_INVALID, "csv", "empty",
                          "the file holds no results, only its header: nothing to import");
            goto out;
        }
        st = save_rows(db, a, patient_id, &q, &p, now, &import_id, f);
        if (st == ST_OK) {
            st = audit_write(db, a, "lab.import", "patient", ids);
            if (st == ST_OK)
                st = db_commit(db);
            if (st != ST_OK)
                st = db_fail(db, st, f);
        }
        if (st != ST_OK)
            goto out;
    } else {
        db_rollback(db);
        audit_read(a, "lab.import_preview", "patient", ids);
    }
    in_tx = false;
    *out = preview_json(&p, date_ok, value_ok);
    if (!*out) {
        /* A saved import stays saved; only its answer is lost. */
        st = fail_set(f, ST_NOMEM, "", "internal", "out of memory");
        goto out;
    }
    if (q.commit) {
        json_object_set_new(*out, "committed", json_true());
        json_object_set_new(*out, "import_id", json_integer(import_id));
        json_object_set_new(*out, "saved", json_integer((json_int_t)p.nok));
        *committed = true;
    }
out:
    if (in_tx)
        db_rollback(db);
    labs_csv_release(&p);
    free(date_ok);
    free(value_ok);
    free(q.file_name);
    return st;
}

/* ---- for screening ---- */

struct collect {
    struct db_lab *items;
    size_t n, cap;
};

static int
collect_item(void *ctx, const struct db_lab *l)
{
    struct collect *c = ctx;
    if (c->n == c->cap) {
        size_t ncap = c->cap ? 2 * c->cap : 16;
        struct db_lab *grown = realloc(c->items, ncap * sizeof(*grown));
        if (!grown)
            return ST_NOMEM;
        c->items = grown;
        c->cap = ncap;
    }
    struct db_lab *dst = &c->items[c->n];
    *dst = *l;
    dst->delete_reason = NULL;
    if (l->delete_reason && !(dst->delete_reason = strdup(l->delete_reason)))
        return ST_NOMEM;
    c->n++;
    return 0;
}

int
labresult_for_screening(struct db *db, int64_t patient_id, struct db_lab **out, size_t *n,
                        struct fail *f)
{
    struct collect c = {0};

    *out = NULL;
    *n = 0;
    int st = db_lab_list(db, patient_id, false, collect_item, &c);
    if (st != ST_OK) {
        labresult_for_screening_release(c.items, c.n);
        return db_fail(db, st, f);
    }
    *out = c.items;
    *n = c.n;
    return ST_OK;
}

void
labresult_for_screening_release(struct db_lab *labs, size_t n)
{
    if (!labs)
        return;
    for (size_t i = 0; i < n; i++)
        db_lab_release(&labs[i]);
    free(labs);
}
