/* libFuzzer target for patient_parse (src/clinic/patient.c): arbitrary JSON bodies, as create
 * and as update. An accepted record must serialise and parse back to the same record. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clinic/patient.h"
#include "core/jsonin.h"
#include "core/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

static bool
same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void
check_record(const struct db_patient *p)
{
    CHECK((p->given_name && p->family_name) || (p->given_name_ar && p->family_name_ar));
    CHECK(!p->given_name || text_is_latin_name(p->given_name, strlen(p->given_name)));
    CHECK(!p->given_name_ar || text_is_arabic_name(p->given_name_ar, strlen(p->given_name_ar)));
    CHECK(strlen(p->date_of_birth) == 10);
    CHECK(!strcmp(p->sex, "female") || !strcmp(p->sex, "male") || !strcmp(p->sex, "other") ||
          !strcmp(p->sex, "unknown"));
    CHECK(!strcmp(p->preferred_language, "en") || !strcmp(p->preferred_language, "ar"));
}

/* The record as a form would send it back: the API form without the server's fields. */
static void
check_round_trip(const struct db_patient *p)
{
    static const char *const owned[] = {"id",         "mrn",        "version",
                                        "created_at", "updated_at", "deleted"};
    struct db_patient again;
    struct fail f;
    json_t *j = patient_to_json(p);

    for (size_t i = 0; i < sizeof(owned) / sizeof(owned[0]); i++)
        json_object_del(j, owned[i]);
    fail_clear(&f);
    CHECK(patient_parse(j, false, &again, NULL, &f) == ST_OK);
    CHECK(same(p->given_name, again.given_name) && same(p->family_name, again.family_name));
    CHECK(same(p->given_name_ar, again.given_name_ar));
    CHECK(same(p->family_name_ar, again.family_name_ar));
    CHECK(same(p->phone, again.phone) && same(p->email, again.email));
    CHECK(same(p->address, again.address) && same(p->notes, again.notes));
    CHECK(same(p->emergency_contact_name, again.emergency_contact_name));
    CHECK(same(p->emergency_contact_phone, again.emergency_contact_phone));
    CHECK(!strcmp(p->date_of_birth, again.date_of_birth) && !strcmp(p->sex, again.sex));
    CHECK(!strcmp(p->preferred_language, again.preferred_language));
    db_patient_release(&again);
    json_decref(j);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct db_patient p;
    struct fail f;
    json_t *body = NULL;
    int64_t version;

    if (jsonin_parse_object((const char *)data, size, &body, &f) != ST_OK)
        return 0;
    for (int update = 0; update <= 1; update++) {
        fail_clear(&f);
        version = -1;
        int st = patient_parse(body, update, &p, &version, &f);
        if (st == ST_OK) {
            CHECK(update ? version >= 1 : version == 0);
            check_record(&p);
            check_round_trip(&p);
            db_patient_release(&p);
        } else {
            CHECK(st == ST_INVALID || st == ST_NOMEM);
            CHECK(st != ST_INVALID || (f.code[0] && f.message[0]));
            CHECK(!p.given_name && !p.family_name && !p.notes && !p.phone);
        }
    }
    json_decref(body);
    return 0;
}
