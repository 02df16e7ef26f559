/* Shared pieces of the clinical records: visibility of their patient, authors, version lists. */
#include "clinic/clinical.h"

#include <stdio.h>
#include <string.h>

#include "clinic/docdiff.h"
#include "core/date.h"

int
clinical_patient_visible(struct db *db, int64_t patient_id, struct fail *f)
{
    struct db_patient p;
    int st = db_patient_get(db, patient_id, &p);
    bool deleted = st == ST_OK && p.deleted;
    db_patient_release(&p);
    if (st == ST_NOT_FOUND || deleted)
        return fail_set(f, ST_NOT_FOUND, "", "not_found", "patient %lld does not exist",
                        (long long)patient_id);
    if (st != ST_OK)
        return db_fail(db, st, f);
    return ST_OK;
}

static json_t *
str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

json_t *
clinical_user_json(struct db *db, int64_t user_id)
{
    if (user_id <= 0)
        return json_null();
    struct db_user u;
    json_t *o = json_null();
    if (db_user_get(db, user_id, &u) == ST_OK)
        o = json_pack("{s:I, s:s, s:o}", "id", (json_int_t)u.id, "username", u.username,
                      "display_name", str_or_null(u.display_name));
    db_user_release(&u);
    return o;
}

json_t *
clinical_version_json(const struct db_doc_version *v)
{
    char at[25];
    time_format_ms(v->at_ms, at);
    json_t *changes = clinical_doc_load(v->changes_json ? v->changes_json : "{}");
    if (changes && json_object_size(changes) == 0 && v->version == 1) {
        json_t *snap = clinical_doc_load(v->snapshot_json ? v->snapshot_json : "{}");
        json_decref(changes);
        changes = snap ? docdiff_creation(snap) : NULL;
        json_decref(snap);
    }
    if (!changes)
        changes = json_object();
    json_t *user = json_null();
    if (v->user_id > 0)
        user = json_pack("{s:I, s:o, s:o}", "id", (json_int_t)v->user_id, "username",
                         str_or_null(v->username), "display_name", str_or_null(v->display_name));
    return json_pack("{s:I, s:s, s:o, s:o}", "version", (json_int_t)v->version, "at", at, "user",
                     user ? user : json_null(), "changes", changes);
}

void
clinical_id_str(int64_t id, char out[24])
{
    snprintf(out, 24, "%lld", (long long)id);
}

json_t *
clinical_doc_load(const char *text)
{
    return json_loads(text ? text : "null", JSON_DECODE_ANY, NULL);
}
