/* The patient registry: validation, versions, search and soft deletion. */
#include "clinic/patient.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clinic/mrn.h"
#include "core/buf.h"
#include "core/date.h"
#include "core/jsonin.h"
#include "core/text.h"
#include "core/validate.h"

#define NAME_MAX_CHARS 100
#define QUERY_MAX_BYTES 400

/* The string fields of a record, in API order, with their limits: one table drives parsing,
 * serialising and the change list of a version. */
enum kind { K_LATIN_NAME, K_ARABIC_NAME, K_PHONE, K_EMAIL, K_TEXT };
struct field {
    const char *name;
    size_t offset; /* of the char * in struct db_patient */
    size_t max_chars;
    enum kind kind;
};
#define F(n, k, m)                                                                                 \
    {                                                                                              \
#n, offsetof(struct db_patient, n), m, k                                                   \
    }
static const struct field text_fields[] = {
    F(given_name, K_LATIN_NAME, NAME_MAX_CHARS),
    F(family_name, K_LATIN_NAME, NAME_MAX_CHARS),
    F(given_name_ar, K_ARABIC_NAME, NAME_MAX_CHARS),
    F(family_name_ar, K_ARABIC_NAME, NAME_MAX_CHARS),
    F(phone, K_PHONE, 64),
    F(email, K_EMAIL, 254),
    F(address, K_TEXT, 500),
    F(emergency_contact_name, K_TEXT, 200),
    F(emergency_contact_phone, K_PHONE, 64),
    F(notes, K_TEXT, 4000),
};
#undef F
#define NFIELDS (sizeof(text_fields) / sizeof(text_fields[0]))

static char **
field_ptr(struct db_patient *p, const struct field *fd)
{
    return (char **)((char *)p + fd->offset);
}

static const char *
field_get(const struct db_patient *p, const struct field *fd)
{
    return *(char *const *)((const char *)p + fd->offset);
}

static const char *const sexes[] = {"female", "male", "other", "unknown", NULL};
static const char *const languages[] = {"en", "ar", NULL};
static const char *const sorts[] = {"family_name", "given_name", "mrn", "date_of_birth",
                                    "created_at",  "updated_at", NULL};
static const char *const orders[] = {"asc", "desc", NULL};

static int
check_text(const struct field *fd, const char *v, struct fail *f)
{
    size_t n = strlen(v);
    switch (fd->kind) {
    case K_LATIN_NAME:
        if (!text_is_latin_name(v, n))
            return fail_set(f, ST_INVALID, fd->name, "wrong_script",
                            "field '%s' must be written in Latin letters", fd->name);
        break;
    case K_ARABIC_NAME:
        if (!text_is_arabic_name(v, n))
            return fail_set(f, ST_INVALID, fd->name, "wrong_script",
                            "field '%s' must be written in Arabic letters", fd->name);
        break;
    case K_PHONE:
        if (!valid_phone_e164(v))
            return fail_set(f, ST_INVALID, fd->name, "invalid_phone",
                            "field '%s' must be an international number such as +971501234567",
                            fd->name);
        break;
    case K_EMAIL:
        if (!valid_email(v))
            return fail_set(f, ST_INVALID, fd->name, "invalid_email",
                            "field '%s' is not an e-mail address", fd->name);
        break;
    case K_TEXT:
        break;
    }
    return ST_OK;
}

int
patient_parse(json_t *body, bool for_update, struct db_patient *out, int64_t *version,
              struct fail *f)
{
    static const char *const create_fields[] = {"given_name",
                                                "family_name",
                                                "given_name_ar",
                                                "family_name_ar",
                                                "date_of_birth",
                                                "sex",
                                                "phone",
                                                "email",
                                                "preferred_language",
                                                "address",
                                                "emergency_contact_name",
                                                "emergency_contact_phone",
                                                "notes",
                                                NULL};
    static const char *const update_fields[] = {"given_name",
                                                "family_name",
                                                "given_name_ar",
                                                "family_name_ar",
                                                "date_of_birth",
                                                "sex",
                                                "phone",
                                                "email",
                                                "preferred_language",
                                                "address",
                                                "emergency_contact_name",
                                                "emergency_contact_phone",
                                                "notes",
                                                "version",
                                                NULL};
    memset(out, 0, sizeof(*out));
    if (version)
        *version = 0;
    int st = jsonin_only_fields(body, for_update ? update_fields : create_fields, f);
    if (st != ST_OK)
        return st;
    if (for_update) {
        bool present;
        st = jsonin_int(body, "version", 1, INT64_MAX, true, &present, version, f);
        if (st != ST_OK)
            return st;
    }
    for (size_t i = 0; i < NFIELDS && st == ST_OK; i++) {
        const struct field *fd = &text_fields[i];
        char **dst = field_ptr(out, fd);
        st = jsonin_string(body, fd->name, fd->max_chars, false, dst, f);
        if (st == ST_OK && *dst)
            st = check_text(fd, *dst, f);
    }
    if (st != ST_OK)
        goto out;
    if (!(out->given_name && out->family_name) && !(out->given_name_ar && out->family_name_ar)) {
        st = fail_set(f, ST_INVALID, "given_name", "name_required",
                      "a full name (given and family) is required in Latin or Arabic letters");
        goto out;
    }

    char *dob = NULL;
    st = jsonin_string(body, "date_of_birth", 64, true, &dob, f);
    if (st != ST_OK)
        goto out;
    struct date d, today, earliest = {1900, 1, 1};
    if (date_parse(dob, &d) != ST_OK) {
        st = fail_set(f, ST_INVALID, "date_of_birth", "invalid_date",
                      "date of birth '%s' is not a real date (YYYY-MM-DD)", dob);
    } else if (date_compare(&d, &earliest) < 0) {
        st = fail_set(f, ST_INVALID, "date_of_birth", "invalid_date",
                      "date of birth '%s' is before 1900", dob);
    } else {
        date_today_utc(&today);
        if (date_compare(&d, &today) > 0)
            st = fail_set(f, ST_INVALID, "date_of_birth", "future_date",
                          "date of birth '%s' is in the future", dob);
    }
    if (st == ST_OK)
        date_format(&d, out->date_of_birth);
    free(dob);
    if (st != ST_OK)
        goto out;

    const char *choice = NULL;
    st = jsonin_choice(body, "sex", sexes, true, &choice, f);
    if (st != ST_OK)
        goto out;
    snprintf(out->sex, sizeof(out->sex), "%s", choice);
    choice = NULL;
    st = jsonin_choice(body, "preferred_language", languages, false, &choice, f);
    if (st != ST_OK)
        goto out;
    snprintf(out->preferred_language, sizeof(out->preferred_language), "%s",
             choice ? choice : "en");
out:
    if (st != ST_OK)
        db_patient_release(out);
    return st;
}

static json_t *
str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

json_t *
patient_to_json(const struct db_patient *p)
{
    char created[25], updated[25];
    time_format_ms(p->created_ms, created);
    time_format_ms(p->updated_ms, updated);
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(p->id));
    json_object_set_new(o, "mrn", json_string(p->mrn));
    json_object_set_new(o, "version", json_integer(p->version));
    for (size_t i = 0; i < 4; i++)
        json_object_set_new(o, text_fields[i].name, str_or_null(field_get(p, &text_fields[i])));
    json_object_set_new(o, "date_of_birth", json_string(p->date_of_birth));
    json_object_set_new(o, "sex", json_string(p->sex));
    for (size_t i = 4; i < NFIELDS; i++)
        json_object_set_new(o, text_fields[i].name, str_or_null(field_get(p, &text_fields[i])));
    json_object_set_new(o, "preferred_language", json_string(p->preferred_language));
    json_object_set_new(o, "created_at", json_string(created));
    json_object_set_new(o, "updated_at", json_string(updated));
    json_object_set_new(o, "deleted", json_boolean(p->deleted));
    return o;
}

/* Folded search text and sort keys of a record; the caller releases the buffers. */
static int
patient_keys(const struct db_patient *p, struct buf *search, struct buf *fam, struct buf *giv)
{
    const char *names[] = {p->given_name, p->family_name, p->given_name_ar, p->family_name_ar};
    int st = ST_OK;
    for (size_t i = 0; i < 4 && st == ST_OK; i++) {
        if (!names[i])
            continue;
        if (search->len)
            st = buf_append_char(search, ' ');
        if (st == ST_OK)
            st = text_fold(names[i], strlen(names[i]), search);
    }
    const char *family = p->family_name ? p->family_name : p->family_name_ar;
    const char *given = p->given_name ? p->given_name : p->given_name_ar;
    if (st == ST_OK)
        st = text_fold(family ? family : "", family ? strlen(family) : 0, fam);
    if (st == ST_OK)
        st = text_fold(given ? given : "", given ? strlen(given) : 0, giv);
    /* An empty fold still needs a string for the NOT NULL sort columns. */
    if (st == ST_OK && !fam->data)
        st = buf_append_str(fam, "");
    if (st == ST_OK && !giv->data)
        st = buf_append_str(giv, "");
    if (st == ST_OK && !search->data)
        st = buf_append_str(search, "");
    return st;
}

/* Writes a version row: the change list against `before` (NULL for a creation). */
static int
write_version(struct db *db, const struct actor *a, const struct db_patient *before,
              const struct db_patient *after, const char *action, const char *reason, int64_t at_ms)
{
    json_t *changes = json_object();
    if (before) {
        json_t *b = patient_to_json(before), *n = patient_to_json(after);
        const char *key;
        json_t *val;
        json_object_foreach(n, key, val)
        {
            if (!strcmp(key, "version") || !strcmp(key, "updated_at") || !strcmp(key, "created_at"))
                continue;
            json_t *old = json_object_get(b, key);
            if (!json_equal(old, val)) {
                json_t *ch = json_object();
                json_object_set(ch, "from", old);
                json_object_set(ch, "to", val);
                json_object_set_new(changes, key, ch);
            }
        }
        json_decref(b);
        json_decref(n);
    }
    json_t *snap = patient_to_json(after);
    char *changes_s = json_dumps(changes, JSON_COMPACT);
    char *snap_s = json_dumps(snap, JSON_COMPACT);
    int st = ST_NOMEM;
    if (changes_s && snap_s) {
        struct db_patient_version v = {
            .patient_id = after->id,
            .version = after->version,
            .action = action,
            .user_id = a->user_id,
            .at_ms = at_ms,
            .changes_json = changes_s,
            .snapshot_json = snap_s,
            .reason = reason,
        };
        st = db_patient_version_insert(db, &v);
    }
    free(changes_s);
    free(snap_s);
    json_decref(changes);
    json_decref(snap);
    return st;
}

int
patient_insert_tx(struct db *db, const struct actor *a, struct db_patient *p, int64_t at_ms)
{
    struct buf search, fam, giv;
    buf_init(&search, 4096);
    buf_init(&fam, 1024);
    buf_init(&giv, 1024);
    int64_t seq;
    int st = db_patient_next_seq(db, &seq);
    if (st != ST_OK)
        goto out;
    mrn_format(seq, p->mrn);
    p->version = 1;
    p->created_ms = p->updated_ms = at_ms;
    p->deleted = false;
    st = patient_keys(p, &search, &fam, &giv);
    if (st != ST_OK)
        goto out;
    struct db_patient_keys k = {buf_str(&search), buf_str(&fam), buf_str(&giv)};
    st = db_patient_insert(db, p, &k);
    if (st == ST_OK)
        st = write_version(db, a, NULL, p, "create", NULL, at_ms);
    if (st == ST_OK) {
        char id[24];
        snprintf(id, sizeof(id), "%lld", (long long)p->id);
        st = audit_write(db, a, "patient.create", "patient", id);
    }
out:
    buf_release(&search);
    buf_release(&fam);
    buf_release(&giv);
    return st;
}

int
patient_create(struct db *db, const struct actor *a, json_t *body, json_t **out, struct fail *f)
{
    *out = NULL;
    struct db_patient p;
    int st = patient_parse(body, false, &p, NULL, f);
    if (st != ST_OK)
        return st;
    st = db_begin_write(db);
    if (st == ST_OK)
        st = patient_insert_tx(db, a, &p, time_now_ms());
    if (st == ST_OK)
        st = db_commit(db);
    if (st != ST_OK) {
        db_rollback(db);
        st = db_fail(db, st, f);
    } else {
        *out = patient_to_json(&p);
    }
    db_patient_release(&p);
    return st;
}

static void
id_str(int64_t id, char out[24])
{
    snprintf(out, 24, "%lld", (long long)id);
}

static int
not_found(int64_t id, struct fail *f)
{
    return fail_set(f, ST_NOT_FOUND, "", "not_found", "patient %lld does not exist", (long long)id);
}

int
patient_update(struct db *db, const struct actor *a, int64_t id, json_t *body, json_t **out,
               struct fail *f)
{
    *out = NULL;
    struct db_patient next, cur;
    struct buf search, fam, giv;
    buf_init(&search, 4096);
    buf_init(&fam, 1024);
    buf_init(&giv, 1024);
    memset(&cur, 0, sizeof(cur));
    int64_t version = 0;
    int st = patient_parse(body, true, &next, &version, f);
    if (st != ST_OK)
        goto out_parse;
    st = db_begin_write(db);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    st = db_patient_get(db, id, &cur);
    if (st == ST_NOT_FOUND || (st == ST_OK && cur.deleted)) {
        st = not_found(id, f);
        goto out;
    }
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    if (cur.version != version) {
        st = fail_set(f, ST_CONFLICT, "version", "stale_version",
                      "patient %lld was changed by someone else (version %lld, not %lld)",
                      (long long)id, (long long)cur.version, (long long)version);
        goto out;
    }
    next.id = cur.id;
    memcpy(next.mrn, cur.mrn, sizeof(next.mrn));
    next.created_ms = cur.created_ms;
    next.version = cur.version;
    next.updated_ms = cur.updated_ms;
    /* Saving an unchanged form is not a new version. */
    json_t *a_json = patient_to_json(&cur), *b_json = patient_to_json(&next);
    int same = json_equal(a_json, b_json);
    json_decref(a_json);
    json_decref(b_json);
    if (same) {
        db_rollback(db);
        *out = patient_to_json(&cur);
        goto out;
    }
    next.version = cur.version + 1;
    next.updated_ms = time_now_ms();
    st = patient_keys(&next, &search, &fam, &giv);
    struct db_patient_keys k = {buf_str(&search), buf_str(&fam), buf_str(&giv)};
    if (st == ST_OK)
        st = db_patient_update(db, &next, &k);
    if (st == ST_OK)
        st = write_version(db, a, &cur, &next, "update", NULL, next.updated_ms);
    char ids[24];
    id_str(id, ids);
    if (st == ST_OK)
        st = audit_write(db, a, "patient.update", "patient", ids);
    if (st == ST_OK)
        st = db_commit(db);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    *out = patient_to_json(&next);
out:
    if (st != ST_OK)
        db_rollback(db);
    db_patient_release(&next);
out_parse:
    db_patient_release(&cur);
    buf_release(&search);
    buf_release(&fam);
    buf_release(&giv);
    return st;
}

int
patient_delete(struct db *db, const struct actor *a, int64_t id, json_t *body, struct fail *f)
{
    static const char *const fields[] = {"reason", NULL};
    char *reason = NULL;
    struct db_patient cur;
    memset(&cur, 0, sizeof(cur));
    int st = jsonin_only_fields(body, fields, f);
    if (st == ST_OK)
        st = jsonin_string(body, "reason", 500, true, &reason, f);
    if (st != ST_OK)
        goto out;
    st = db_begin_write(db);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    st = db_patient_get(db, id, &cur);
    if (st == ST_NOT_FOUND || (st == ST_OK && cur.deleted)) {
        st = not_found(id, f);
        goto out;
    }
    int64_t now = time_now_ms();
    char ids[24];
    id_str(id, ids);
    if (st == ST_OK)
        st = db_patient_mark_deleted(db, id, cur.version + 1, now);
    if (st == ST_OK) {
        struct db_patient after = cur;
        after.version = cur.version + 1;
        after.updated_ms = now;
        after.deleted = true;
        st = write_version(db, a, &cur, &after, "delete", reason, now);
    }
    if (st == ST_OK)
        st = audit_write(db, a, "patient.delete", "patient", ids);
    if (st == ST_OK)
        st = db_commit(db);
    if (st != ST_OK)
        st = db_fail(db, st, f);
out:
    if (st != ST_OK)
        db_rollback(db);
    db_patient_release(&cur);
    free(reason);
    return st;
}

int
patient_read(struct db *db, const struct actor *a, int64_t id, bool see_deleted, json_t **out,
             struct fail *f)
{
    *out = NULL;
    struct db_patient p;
    int st = db_patient_get(db, id, &p);
    if (st == ST_NOT_FOUND || (st == ST_OK && p.deleted && !see_deleted)) {
        db_patient_release(&p);
        return not_found(id, f);
    }
    if (st != ST_OK)
        return db_fail(db, st, f);
    char ids[24];
    id_str(id, ids);
    audit_read(a, "patient.read", "patient", ids);
    *out = patient_to_json(&p);
    db_patient_release(&p);
    return ST_OK;
}

static void
creation_changes(json_t *changes, const char *snapshot_json)
{
    static const char *const skip[] = {"id",         "mrn",     "version", "created_at",
                                       "updated_at", "deleted", NULL};
    json_t *snap = json_loads(snapshot_json ? snapshot_json : "{}", 0, NULL);
    const char *key;
    json_t *val;
    json_object_foreach(snap, key, val)
    {
        bool skipped = json_is_null(val);
        for (size_t i = 0; skip[i] && !skipped; i++)
            skipped = strcmp(key, skip[i]) == 0;
        if (!skipped)
            json_object_set_new(changes, key, json_pack("{s:n, s:O}", "from", "to", val));
    }
    json_decref(snap);
}

static int
history_item(void *ctx, const struct db_patient_version *v)
{
    json_t *items = ctx;
    char at[25];
    time_format_ms(v->at_ms, at);
    json_t *changes = json_loads(v->changes_json ? v->changes_json : "{}", 0, NULL);
    /* A creation stores no change list (its snapshot holds the values): it is shown as every
     * value it set, changed from nothing. */
    if (changes && json_object_size(changes) == 0 && !strcmp(v->action, "create"))
        creation_changes(changes, v->snapshot_json);
    json_t *user = json_null();
    if (v->user_id > 0) {
        user = json_object();
        json_object_set_new(user, "id", json_integer(v->user_id));
        json_object_set_new(user, "username", str_or_null(v->username));
        json_object_set_new(user, "display_name", str_or_null(v->display_name));
    }
    json_array_append_new(items, json_pack("{s:I, s:s, s:o, s:s, s:o, s:o}", "version",
                                           (json_int_t)v->version, "at", at, "user", user, "action",
                                           v->action, "changes", changes ? changes : json_object(),
                                           "reason", str_or_null(v->reason)));
    return 0;
}

int
patient_history(struct db *db, const struct actor *a, int64_t id, bool see_deleted, json_t **out,
                struct fail *f)
{
    *out = NULL;
    struct db_patient p;
    int st = db_begin_read(db);
    if (st != ST_OK)
        return db_fail(db, st, f);
    st = db_patient_get(db, id, &p);
    bool hidden = st == ST_OK && p.deleted && !see_deleted;
    db_patient_release(&p);
    if (st == ST_NOT_FOUND || hidden) {
        db_rollback(db);
        return not_found(id, f);
    }
    json_t *items = json_array();
    if (st == ST_OK)
        st = db_patient_versions(db, id, history_item, items);
    db_rollback(db);
    if (st != ST_OK) {
        json_decref(items);
        return db_fail(db, st, f);
    }
    char ids[24];
    id_str(id, ids);
    audit_read(a, "patient.history", "patient", ids);
    *out = json_pack("{s:o}", "items", items);
    return ST_OK;
}

struct page {
    json_t *items;
    int limit;
    int count;
};

static int
page_item(void *ctx, const struct db_patient *p)
{
    struct page *pg = ctx;
    /* One row past the page tells whether there is more without counting. */
    if (pg->count++ < pg->limit)
        json_array_append_new(pg->items, patient_to_json(p));
    return 0;
}

/* Classifies a search: a number (MRN or phone) or names. `digits` receives the digits of a
 * number query; `words` the folded words of a name query. */
static int
parse_query(const char *q, struct buf *digits, struct buf *words, struct fail *f)
{
    size_t n = strlen(q);
    if (n > QUERY_MAX_BYTES)
        return fail_set(f, ST_INVALID, "q", "invalid_query", "search text is too long");
    if (!text_valid_utf8(q, n))
        return fail_set(f, ST_INVALID, "q", "invalid_query", "search text is not valid UTF-8");
    const char *s = text_trim(q, &n);
    bool numeric = n > 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || c == ' ' || c == '-' || (c == '+' && i == 0)))
            numeric = false;
    }
    int st = ST_OK;
    if (numeric) {
        for (size_t i = 0; i < n && st == ST_OK; i++)
            if (s[i] >= '0' && s[i] <= '9')
                st = buf_append_char(digits, s[i]);
        return st;
    }
    return text_fold(s, n, words);
}

int
patient_list(struct db *db, const struct actor *a, const struct patient_list_params *prm,
             json_t **out, struct fail *f)
{
    *out = NULL;
    struct buf digits, words;
    buf_init(&digits, QUERY_MAX_BYTES);
    buf_init(&words, QUERY_MAX_BYTES * 2);
    json_t *items = json_array();
    int st = ST_OK;
    int sort_i = 0;
    bool desc = false;
    if (prm->limit < 1 || prm->limit > PATIENT_PAGE_MAX) {
        st = fail_set(f, ST_INVALID, "limit", "invalid_query", "limit must be between 1 and %d",
                      PATIENT_PAGE_MAX);
        goto out;
    }
    if (prm->offset < 0 || prm->offset > 100000000) {
        st = fail_set(f, ST_INVALID, "offset", "invalid_query", "offset is out of range");
        goto out;
    }
    if (prm->sort) {
        for (sort_i = 0; sorts[sort_i] && strcmp(sorts[sort_i], prm->sort); sort_i++)
            ;
        if (!sorts[sort_i]) {
            /* Quoted only when short and valid text: the message goes into a JSON body. */
            size_t n = strnlen(prm->sort, 41);
            if (n <= 40 && text_valid_utf8(prm->sort, n))
                st = fail_set(f, ST_INVALID, "sort", "invalid_query", "cannot sort by '%s'",
                              prm->sort);
            else
                st = fail_set(f, ST_INVALID, "sort", "invalid_query", "cannot sort by that value");
            goto out;
        }
    }
    if (prm->order) {
        if (strcmp(prm->order, orders[0]) && strcmp(prm->order, orders[1])) {
            st = fail_set(f, ST_INVALID, "order", "invalid_query", "order must be asc or desc");
            goto out;
        }
        desc = !strcmp(prm->order, "desc");
    }
    bool searching = prm->q && *prm->q;
    if (searching) {
        st = parse_query(prm->q, &digits, &words, f);
        if (st != ST_OK)
            goto out;
    }
    struct db_patient_query q = {
        .sort = (enum db_patient_sort)sort_i,
        .descending = desc,
        .include_deleted = prm->include_deleted,
        .offset = prm->offset,
        .limit = (int)prm->limit + 1,
        .name_words = words.len ? buf_str(&words) : NULL,
        .digits = digits.len ? buf_str(&digits) : NULL,
    };
    struct page pg = {items, (int)prm->limit, 0};
    int64_t total = 0;
    st = db_begin_read(db);
    if (st == ST_OK && (!searching || q.name_words || q.digits))
        st = db_patient_list(db, &q, page_item, &pg);
    if (st == ST_OK && !searching)
        st = db_patient_count(db, prm->include_deleted, &total);
    db_rollback(db);
    if (st != ST_OK) {
        st = db_fail(db, st, f);
        goto out;
    }
    audit_read(a, searching ? "patient.search" : "patient.list", "patient", "");
    *out = json_pack("{s:O, s:I, s:I, s:b}", "items", items, "offset", (json_int_t)prm->offset,
                     "limit", (json_int_t)prm->limit, "has_more", pg.count > pg.limit);
    if (!searching)
        json_object_set_new(*out, "total", json_integer(total));
out:
    json_decref(items);
    buf_release(&digits);
    buf_release(&words);
    return st;
}
