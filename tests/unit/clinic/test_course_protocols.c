/* Unit tests of src/clinic/course_protocols.c: the shipped catalogue and protocols load with the
 * numbers they say, and each check refuses a broken copy in a temporary directory, naming the
 * file, the entry and the field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "clinic/course_protocols.h"
#include "core/crypto.h"

#define SHIPPED AUTOLOGA_PROTOCOLS_DIR

static const char *const files[] = {"treatments.json", "prp-hair.json", "prp-face.json",
                                    "adsc-hair.json"};
#define NFILES (sizeof(files) / sizeof(files[0]))

struct copy {
    char dir[64];
};

static void
path_in(const char *dir, const char *name, char *out, size_t cap)
{
    int n = snprintf(out, cap, "%s/%s", dir, name);
    assert_true(n > 0 && (size_t)n < cap);
}

static json_t *
load_json(const char *dir, const char *name)
{
    char path[256];
    json_error_t err;

    path_in(dir, name, path, sizeof(path));
    json_t *j = json_load_file(path, 0, &err);
    if (!j)
        fail_msg("cannot read %s: %s", path, err.text);
    return j;
}

static void
save_json(const char *dir, const char *name, json_t *j)
{
    char path[256];

    path_in(dir, name, path, sizeof(path));
    assert_int_equal(json_dump_file(j, path, JSON_INDENT(1)), 0);
}

static void
copy_make(struct copy *c)
{
    snprintf(c->dir, sizeof(c->dir), "/tmp/autologa-unit-XXXXXX");
    assert_non_null(mkdtemp(c->dir));
    for (size_t i = 0; i < NFILES; i++) {
        json_t *j = load_json(SHIPPED, files[i]);
        save_json(c->dir, files[i], j);
        json_decref(j);
    }
}

static void
copy_remove(struct copy *c)
{
    char path[256];

    for (size_t i = 0; i < NFILES; i++) {
        path_in(c->dir, files[i], path, sizeof(path));
        unlink(path);
    }
    path_in(c->dir, "extra.json", path, sizeof(path));
    unlink(path);
    rmdir(c->dir);
}

/* The member at a dotted path ("sessions.interval_days", "follow_ups.0"); the last part is
 * stored in *last and its parent returned. */
static json_t *
parent_of(json_t *doc, const char *path, char *last, size_t cap)
{
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", path);
    json_t *cur = doc;
    char *save = NULL, *part = strtok_r(buf, ".", &save);
    for (;;) {
        char *next = strtok_r(NULL, ".", &save);
        if (!next) {
            snprintf(last, cap, "%s", part);
            return cur;
        }
        cur = json_is_array(cur) ? json_array_get(cur, strtoul(part, NULL, 10))
                                 : json_object_get(cur, part);
        if (!cur)
            fail_msg("no member %s in %s", part, path);
        part = next;
    }
}

/* Sets the member at `path` to the JSON text `value`, or removes it when value is NULL. */
static void
edit(json_t *doc, const char *path, const char *value)
{
    char last[64];
    json_t *parent = parent_of(doc, path, last, sizeof(last));
    if (!value) {
        int rc = json_is_array(parent) ? json_array_remove(parent, strtoul(last, NULL, 10))
                                       : json_object_del(parent, last);
        assert_int_equal(rc, 0);
        return;
    }
    json_error_t err;
    json_t *v = json_loads(value, JSON_DECODE_ANY, &err);
    if (!v)
        fail_msg("bad test value %s: %s", value, err.text);
    int rc = json_is_array(parent) ? json_array_set_new(parent, strtoul(last, NULL, 10), v)
                                   : json_object_set_new(parent, last, v);
    assert_int_equal(rc, 0);
}

/* One broken copy: `file` with `path` set to `value` (NULL: removed) fails with `code` on
 * `field`, and the message names the file and `where`. */
struct breakage {
    const char *file;
    const char *path;
    const char *value;
    const char *code;
    const char *field;
    const char *where;
};

static void
expect_broken(const struct breakage *b)
{
    struct copy c;
    struct course_protocols *p = (struct course_protocols *)1;
    struct fail f;

    copy_make(&c);
    json_t *doc = load_json(c.dir, b->file);
    edit(doc, b->path, b->value);
    save_json(c.dir, b->file, doc);
    json_decref(doc);
    fail_clear(&f);
    int st = course_protocols_load(c.dir, &p, &f);
    copy_remove(&c);
    if (st == ST_OK) {
        course_protocols_free(p);
        fail_msg("%s with %s = %s loads", b->file, b->path, b->value ? b->value : "(removed)");
    }
    assert_null(p);
    if (strcmp(f.code, b->code) != 0 || strcmp(f.field, b->field) != 0)
        fail_msg("%s %s: code %s field %s, wanted %s %s: %s", b->file, b->path, f.code, f.field,
                 b->code, b->field, f.message);
    if (!strstr(f.message, b->file) || !strstr(f.message, b->where))
        fail_msg("%s %s: the message does not name %s and %s: %s", b->file, b->path, b->file,
                 b->where, f.message);
}

static void
test_shipped(void **state)
{
    struct course_protocols *p = NULL;
    struct fail f;

    (void)state;
    fail_clear(&f);
    if (course_protocols_load(SHIPPED, &p, &f) != ST_OK)
        fail_msg("the shipped protocols do not load: %s", f.message);

    /* Six treatments; three with a course protocol, three without one. */
    assert_int_equal(p->ntreatments, 6);
    assert_int_equal(p->nprotocols, 3);
    static const char *const codes[] = {"prp-hair",    "prp-face",  "adsc-hair",
                                        "mesotherapy", "prp-beard", "adsc-transplant"};
    for (size_t i = 0; i < 6; i++) {
        assert_string_equal(p->treatments[i].code, codes[i]);
        assert_true(p->treatments[i].label.ar[0] && p->treatments[i].summary.ar[0]);
        if (i < 3)
            assert_string_equal(p->treatments[i].protocol->code, codes[i]);
        else
            assert_null(p->treatments[i].protocol);
    }

    const struct course_protocol *hair = course_protocols_find(p, "prp-hair");
    assert_non_null(hair);
    assert_string_equal(hair->file, "prp-hair.json");
    assert_string_equal(hair->screening_treatment, "prp-hair");
    assert_int_equal(hair->session_count, 3);
    assert_int_equal(hair->interval_target_days, 30);
    assert_true(hair->interval_earliest_days <= 30 && hair->interval_latest_days >= 30);
    assert_true(hair->has_maintenance);
    assert_int_equal(hair->maintenance_every_months, 6);
    assert_int_equal(hair->nfollow_ups, 2);
    assert_string_equal(hair->follow_ups[0].code, "first_results");
    assert_int_equal(hair->follow_ups[0].anchor, COURSE_ANCHOR_FIRST_SESSION);
    assert_int_equal(hair->follow_ups[0].months, 3);
    assert_int_equal(hair->follow_ups[1].months, 6);
    assert_string_equal(hair->currency, "AED");
    assert_int_equal(hair->session_minor, 150000);
    assert_int_equal(hair->discount_hundredths, 1000);
    assert_true(hair->naftercare > 0 && hair->nside_effects > 0 && hair->npre_session > 0);
    assert_string_equal(hair->room_kind, "treatment");
    assert_non_null(course_protocol_follow_up(hair, "assessment_6m"));
    assert_null(course_protocol_follow_up(hair, "nothing"));

    /* The outcomes: the pooled gain over control (facts.md §4) as a band, 14 as the responder's
     * gain, the negative trials named in a note. */
    assert_true(hair->outcomes.present);
    const struct course_expected *band = course_protocol_expected(hair, "hair_density");
    assert_non_null(band);
    assert_int_equal(band->anchor, COURSE_ANCHOR_FIRST_SESSION);
    assert_int_equal(band->from_months, 3);
    assert_int_equal(band->to_months, 6);
    assert_true(band->change_low == 14 && band->change_high == 28);
    assert_int_equal(json_array_size(band->sources), 2);
    assert_null(course_protocol_expected(hair, "hair_count"));
    assert_true(hair->outcomes.has_responder);
    assert_string_equal(hair->outcomes.responder_measure, "hair_density");
    assert_true(hair->outcomes.responder_min_gain == 14);
    bool named = false;
    for (size_t i = 0; i < hair->outcomes.nnotes; i++)
        named = named || (strstr(hair->outcomes.notes[i].en, "Shapiro 2020") &&
                          strstr(hair->outcomes.notes[i].en, "Gressenberger 2020"));
    assert_true(named);
    /* No verified range for the face nor for fat-derived cells: no band, no responder. */
    for (size_t i = 1; i < 3; i++) {
        const struct course_protocol *o = &p->protocols[i];
        assert_true(o->outcomes.present);
        assert_int_equal(o->outcomes.nexpected, 0);
        assert_false(o->outcomes.has_responder);
        assert_true(o->outcomes.nnotes >= 1);
    }
    assert_non_null(strstr(course_protocols_find(p, "adsc-hair")->outcomes.notes[0].en, "STYLE"));

    /* The face has no maintenance; fat-derived cells count early hair from the last session. */
    assert_false(course_protocols_find(p, "prp-face")->has_maintenance);
    const struct course_protocol *adsc = course_protocols_find(p, "adsc-hair");
    assert_int_equal(adsc->session_count, 2);
    const struct course_follow_up *early = course_protocol_follow_up(adsc, "early_hair");
    assert_int_equal(early->anchor, COURSE_ANCHOR_LAST_SESSION);
    assert_int_equal(early->days, 14);
    assert_string_equal(adsc->room_kind, "procedure");
    assert_null(course_protocols_find(p, "mesotherapy"));
    assert_null(course_protocols_find(p, NULL));

    /* The kept bytes are the file's, and their hash is what a course records. */
    char path[256], hex[65];
    path_in(SHIPPED, "prp-hair.json", path, sizeof(path));
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    char *buf = malloc(hair->text_len + 2);
    size_t got = fread(buf, 1, hair->text_len + 1, fp);
    fclose(fp);
    assert_int_equal(got, hair->text_len);
    assert_memory_equal(buf, hair->text, got);
    crypto_sha256_hex(buf, got, hex);
    assert_string_equal(hex, hair->sha256);
    free(buf);
    assert_string_equal(json_string_value(json_object_get(hair->document, "code")), "prp-hair");

    /* The clinic's currency must be the prices'. */
    fail_clear(&f);
    assert_int_equal(course_protocols_check_currency(p, "AED", &f), ST_OK);
    assert_int_equal(course_protocols_check_currency(p, "USD", &f), ST_INVALID);
    assert_string_equal(f.code, "currency_mismatch");
    assert_string_equal(f.field, "currency");
    assert_non_null(strstr(f.message, "prp-hair.json: pricing: field 'currency'"));
    assert_non_null(strstr(f.message, "'USD'"));

    assert_string_equal(course_anchor_name(COURSE_ANCHOR_LAST_SESSION), "last_session");
    course_protocols_free(p);
    course_protocols_free(NULL);
    course_protocol_free(NULL);
}

static void
test_copy_loads(void **state)
{
    struct copy c;
    struct course_protocols *p = NULL;
    struct fail f;

    (void)state;
    copy_make(&c);
    fail_clear(&f);
    int st = course_protocols_load(c.dir, &p, &f);
    course_protocols_free(p);
    copy_remove(&c);
    if (st != ST_OK)
        fail_msg("a faithful copy does not load: %s", f.message);
}

static const struct breakage catalogue_breakages[] = {
    {"treatments.json", "extra", "1", "unknown_field", "extra", "treatments.json"},
    {"treatments.json", "schema_version", "2", "unsupported_version", "schema_version", ""},
    {"treatments.json", "treatments", "[]", "invalid_type", "treatments", ""},
    {"treatments.json", "treatments.1.code", "\"PRP-face\"", "invalid_value", "code",
     "treatments[1]"},
    {"treatments.json", "treatments.1.code", "\"prp-hair\"", "duplicate", "code",
     "treatments[1] (prp-hair)"},
    {"treatments.json", "treatments.4.label.ar", NULL, "required", "label.ar",
     "treatments[4] (prp-beard)"},
    {"treatments.json", "treatments.3.summary", NULL, "required", "summary",
     "treatments[3] (mesotherapy)"},
    {"treatments.json", "treatments.3.protocol", NULL, "required", "protocol",
     "treatments[3] (mesotherapy)"},
    {"treatments.json", "treatments.3.protocol", "\"../prp-hair.json\"", "invalid_value",
     "protocol", "treatments[3] (mesotherapy)"},
    {"treatments.json", "treatments.3.protocol", "\"screening.json\"", "invalid_value", "protocol",
     "treatments[3] (mesotherapy)"},
    {"treatments.json", "treatments.3.protocol", "\"prp-hair.json\"", "duplicate", "protocol",
     "treatments[3] (mesotherapy)"},
    {"treatments.json", "treatments.3.protocol", "\"nothere.json\"", "unreadable", "protocol",
     "treatments[3] (mesotherapy): field 'protocol' names nothere.json"},
    {"treatments.json", "treatments.2.sources.0.tier", "\"A\"", "invalid_value", "tier",
     "treatments[2] (adsc-hair) sources[0]"},
    {"treatments.json", "treatments.2.sources", "[]", "invalid_type", "sources",
     "treatments[2] (adsc-hair)"},
    {"treatments.json", "treatments.0.price", "1", "unknown_field", "price",
     "treatments[0] (prp-hair)"},
    {"treatments.json", "treatments.3", "\"mesotherapy\"", "invalid_type", "code", "treatments[3]"},
    {"treatments.json", "treatments.3.protocol", "7", "invalid_type", "protocol",
     "treatments[3] (mesotherapy)"},
    {"treatments.json", "treatments.2.sources.0.tier", NULL, "required", "tier",
     "treatments[2] (adsc-hair) sources[0]"},
    {"treatments.json", "treatments.2.sources.1.id", "\"kuka2020\"", "duplicate", "id",
     "treatments[2] (adsc-hair) sources[1]"},
    {"treatments.json", "treatments.0.label.en", "\"a\\u0007b\"", "invalid_text", "label.en",
     "treatments[0] (prp-hair)"},
    /* A second file with the code of the first. */
    {"prp-face.json", "code", "\"prp-hair\"", "duplicate", "protocol", "treatments[1] (prp-face)"},
};

static const struct breakage protocol_breakages[] = {
    {"prp-hair.json", "price", "1", "unknown_field", "price", "prp-hair.json"},
    {"prp-hair.json", "schema_version", "\"1\"", "unsupported_version", "schema_version", ""},
    {"prp-hair.json", "sources", NULL, "required", "sources", ""},
    {"prp-hair.json", "sources.1.id", "\"gupta2019\"", "duplicate", "id", "sources[1]"},
    {"prp-hair.json", "sources.0.citation", "\"  \"", "required", "citation", "sources[0]"},
    {"prp-hair.json", "code", "\"prp hair\"", "invalid_value", "code", ""},
    {"prp-hair.json", "label.en", "\"\"", "required", "label.en", ""},
    {"prp-hair.json", "label.fr", "\"PRP\"", "unknown_field", "label.fr", ""},
    {"prp-hair.json", "screening_treatment", NULL, "required", "screening_treatment", ""},
    {"prp-hair.json", "sessions", "3", "invalid_type", "sessions", ""},
    {"prp-hair.json", "sessions.count", "0", "invalid_value", "count", "sessions"},
    {"prp-hair.json", "sessions.count", "2.5", "invalid_type", "count", "sessions"},
    {"prp-hair.json", "sessions.interval_days.earliest", "31", "invalid_value",
     "interval_days.earliest", "sessions"},
    {"prp-hair.json", "sessions.interval_days.latest", "29", "invalid_value",
     "interval_days.latest", "sessions"},
    {"prp-hair.json", "sessions.interval_days.target", NULL, "required", "interval_days.target",
     "sessions"},
    {"prp-hair.json", "sessions.prep_minutes", "90", "invalid_value", "prep_minutes", "sessions"},
    {"prp-hair.json", "sessions.room_kind", "\"garage\"", "invalid_value", "room_kind", "sessions"},
    {"prp-hair.json", "sessions.basis.count", NULL, "missing_basis", "basis.count", "sessions"},
    {"prp-hair.json", "sessions.basis.first_window_days", "\"a guess\"", "invalid_value",
     "basis.first_window_days", "sessions"},
    {"prp-hair.json", "sessions.basis.count.sources", "[\"nobody2020\"]", "unknown_source",
     "basis.count.sources", "sessions"},
    {"prp-hair.json", "sessions.basis.count.sources", NULL, "required", "basis.count.sources",
     "sessions"},
    {"prp-hair.json", "sessions.basis.room_kind", "\"clinic setting\"", "unknown_field",
     "basis.room_kind", "sessions"},
    {"prp-hair.json", "maintenance", NULL, "required", "maintenance", "maintenance"},
    {"prp-hair.json", "maintenance.every_months", "0", "invalid_value", "every_months",
     "maintenance"},
    {"prp-hair.json", "maintenance.basis", NULL, "required", "basis", "maintenance"},
    {"prp-hair.json", "follow_ups", NULL, "required", "follow_ups", ""},
    {"prp-hair.json", "follow_ups.0.after.anchor", "\"middle_session\"", "invalid_value",
     "after.anchor", "follow_ups[0] (first_results)"},
    {"prp-hair.json", "follow_ups.1.after.days", "10", "invalid_value", "after.months",
     "follow_ups[1] (assessment_6m)"},
    {"prp-hair.json", "follow_ups.1.after.months", NULL, "invalid_value", "after.months",
     "follow_ups[1] (assessment_6m)"},
    {"prp-hair.json", "follow_ups.1.code", "\"first_results\"", "duplicate", "code",
     "follow_ups[1] (first_results)"},
    {"prp-hair.json", "follow_ups.0.expect.ar", NULL, "required", "expect.ar",
     "follow_ups[0] (first_results)"},
    {"prp-hair.json", "follow_ups.0.window_days", "120", "invalid_value", "window_days",
     "follow_ups[0] (first_results)"},
    {"prp-hair.json", "follow_ups.0.basis.after", NULL, "missing_basis", "basis.after",
     "follow_ups[0] (first_results)"},
    {"prp-hair.json", "preparation.0.min", "1", "invalid_value", "value",
     "preparation[0] (blood_volume)"},
    {"prp-hair.json", "preparation.2.max", "50", "invalid_value", "max",
     "preparation[2] (spin1_force)"},
    {"prp-hair.json", "preparation.2.unit", NULL, "required", "unit",
     "preparation[2] (spin1_force)"},
    {"prp-hair.json", "preparation.2.basis.sources", "[\"nobody2020\"]", "unknown_source",
     "basis.sources", "preparation[2] (spin1_force)"},
    {"prp-hair.json", "preparation.1.code", "\"blood_volume\"", "duplicate", "code",
     "preparation[1] (blood_volume)"},
    {"prp-hair.json", "aftercare", "[]", "invalid_type", "aftercare", ""},
    {"prp-hair.json", "aftercare.2.text.ar", NULL, "required", "text.ar", "aftercare[2] (ice)"},
    {"prp-hair.json", "aftercare.2.sources", "[\"nobody2020\"]", "unknown_source", "sources",
     "aftercare[2] (ice)"},
    {"prp-hair.json", "side_effects.0.label", NULL, "required", "label", "side_effects[0] (pain)"},
    {"prp-hair.json", "side_effects.1.code", "\"pain\"", "duplicate", "code",
     "side_effects[1] (pain)"},
    {"prp-hair.json", "pre_session_instructions.0.text.en", "\"\"", "required", "text.en",
     "pre_session_instructions[0] (heart_aspirin)"},
    {"prp-hair.json", "pricing.currency", "\"aed\"", "invalid_value", "currency", "pricing"},
    {"prp-hair.json", "pricing.session_minor", "-1", "invalid_value", "session_minor", "pricing"},
    {"prp-hair.json", "pricing.package_discount_percent", "10.555", "invalid_value",
     "package_discount_percent", "pricing"},
    {"prp-hair.json", "pricing.package_discount_percent", "120", "invalid_value",
     "package_discount_percent", "pricing"},
    {"prp-hair.json", "pricing.basis", NULL, "required", "basis", "pricing"},
    {"prp-hair.json", "label.ar",
     "\"ااااااااااااااااااااااااااااااااااااااااااااااااااااااااااااااااااااااااااااااااااااااااااا"
     "ااااااااااااااااااااااااااااااااااااااااااااااااااااااااااااااااااااااااااااااااااااااااااااا"
     "ااااااااااااااااااااااا\"",
     "too_long", "label.ar", ""},
    {"prp-hair.json", "sources.0.tier", "\"A\"", "invalid_value", "tier", "sources[0]"},
    {"prp-hair.json", "sessions.count", "21", "invalid_value", "count", "sessions"},
    {"prp-hair.json", "sessions.duration_minutes", "\"60\"", "invalid_type", "duration_minutes",
     "sessions"},
    {"prp-hair.json", "sessions.basis", "[]", "invalid_type", "basis", "sessions"},
    {"prp-hair.json", "sessions.basis.count.page", "12", "unknown_field", "basis.count.page",
     "sessions"},
    {"prp-hair.json", "sessions.basis.count.sources", "\"gupta2019\"", "invalid_type",
     "basis.count.sources", "sessions"},
    {"prp-hair.json", "maintenance", "6", "invalid_type", "maintenance", "maintenance"},
    {"prp-hair.json", "follow_ups", "{}", "invalid_type", "follow_ups", ""},
    {"prp-hair.json", "follow_ups.0", "[]", "invalid_type", "code", "follow_ups[0]"},
    {"prp-hair.json", "follow_ups.0.after", NULL, "required", "after",
     "follow_ups[0] (first_results)"},
    {"prp-hair.json", "follow_ups.0.after.anchor", NULL, "required", "after.anchor",
     "follow_ups[0] (first_results)"},
    {"prp-hair.json", "follow_ups.0.after.months", "61", "invalid_value", "after.months",
     "follow_ups[0] (first_results)"},
    {"prp-hair.json", "preparation.0.value", "\"\"", "required", "value",
     "preparation[0] (blood_volume)"},
    {"prp-hair.json", "preparation.2.min", NULL, "required", "min", "preparation[2] (spin1_force)"},
    {"prp-hair.json", "preparation.2.unit", "5", "invalid_type", "unit",
     "preparation[2] (spin1_force)"},
    {"prp-hair.json", "preparation.2.basis", "\"a guess\"", "invalid_value", "basis",
     "preparation[2] (spin1_force)"},
    {"prp-hair.json", "aftercare.0", "\"ice\"", "invalid_type", "code", "aftercare[0]"},
    {"prp-hair.json", "aftercare.0.sources", NULL, "required", "sources",
     "aftercare[0] (no_wash_24h)"},
    {"prp-hair.json", "aftercare.0.sources", "[]", "invalid_type", "sources",
     "aftercare[0] (no_wash_24h)"},
    {"prp-hair.json", "side_effects", NULL, "required", "side_effects", ""},
    {"prp-hair.json", "pricing.currency", "\"AEDX\"", "too_long", "currency", "pricing"},
    {"prp-hair.json", "pricing.follow_up_minor", "10000000001", "invalid_value", "follow_up_minor",
     "pricing"},
    {"prp-hair.json", "pricing.package_discount_percent", "\"10\"", "invalid_value",
     "package_discount_percent", "pricing"},
    {"prp-hair.json", "pricing.basis.session_minor", NULL, "missing_basis", "basis.session_minor",
     "pricing"},
    /* One clinic, one currency. */
    {"prp-face.json", "pricing.currency", "\"USD\"", "currency_mismatch", "currency", "pricing"},
    /* The outcomes: every file of protocols/ has them, and every range cites its trials. */
    {"prp-face.json", "outcomes", NULL, "required", "outcomes", "prp-face.json"},
    {"prp-hair.json", "outcomes", "[]", "invalid_type", "outcomes", ""},
    {"prp-hair.json", "outcomes.promise", "1", "unknown_field", "promise", "outcomes"},
    {"prp-hair.json", "outcomes.expected", NULL, "required", "expected", "outcomes"},
    {"prp-hair.json", "outcomes.expected", "{}", "invalid_type", "expected", "outcomes"},
    {"prp-hair.json", "outcomes.expected.0", "3", "invalid_type", "measure",
     "outcomes.expected[0]"},
    {"prp-hair.json", "outcomes.expected.0.measure", "\"Hair Density\"", "invalid_value", "measure",
     "outcomes.expected[0]"},
    {"prp-hair.json", "outcomes.expected.0.anchor", "\"prescription\"", "invalid_value", "anchor",
     "outcomes.expected[0] (hair_density)"},
    {"prp-hair.json", "outcomes.expected.0.to_months", "2", "invalid_value", "to_months",
     "outcomes.expected[0] (hair_density)"},
    {"prp-hair.json", "outcomes.expected.0.from_months", "61", "invalid_value", "from_months",
     "outcomes.expected[0] (hair_density)"},
    {"prp-hair.json", "outcomes.expected.0.change_low", "\"14\"", "invalid_type", "change_low",
     "outcomes.expected[0] (hair_density)"},
    {"prp-hair.json", "outcomes.expected.0.change_high", "10", "invalid_value", "change_high",
     "outcomes.expected[0] (hair_density)"},
    {"prp-hair.json", "outcomes.expected.0.label.ar", NULL, "required", "label.ar",
     "outcomes.expected[0] (hair_density)"},
    {"prp-hair.json", "outcomes.expected.0.basis", "\"clinic setting\"", "invalid_type", "basis",
     "outcomes.expected[0] (hair_density)"},
    {"prp-hair.json", "outcomes.expected.0.basis.sources", NULL, "required", "basis.sources",
     "outcomes.expected[0] (hair_density)"},
    {"prp-hair.json", "outcomes.expected.0.basis.sources", "[\"nobody2020\"]", "unknown_source",
     "basis.sources", "outcomes.expected[0] (hair_density)"},
    {"prp-hair.json", "outcomes.expected.0.extra", "1", "unknown_field", "extra",
     "outcomes.expected[0] (hair_density)"},
    {"prp-hair.json", "outcomes.responder", NULL, "required", "responder", "outcomes"},
    {"prp-hair.json", "outcomes.responder", "14", "invalid_type", "responder", "outcomes"},
    {"prp-hair.json", "outcomes.responder.min_gain", "0", "invalid_value", "min_gain",
     "outcomes.responder"},
    {"prp-hair.json", "outcomes.responder.min_gain", NULL, "required", "min_gain",
     "outcomes.responder"},
    {"prp-hair.json", "outcomes.responder.basis", NULL, "required", "basis", "outcomes.responder"},
    {"prp-hair.json", "outcomes.notes", NULL, "required", "notes", "outcomes"},
    {"prp-hair.json", "outcomes.notes.0.ar", "\" \"", "required", "ar", "outcomes.notes[0]"},
    {"prp-hair.json", "outcomes.notes.0.fr", "\"x\"", "unknown_field", "fr", "outcomes.notes[0]"},
};

static void
test_catalogue_breakages(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(catalogue_breakages) / sizeof(catalogue_breakages[0]); i++)
        expect_broken(&catalogue_breakages[i]);
}

static void
test_protocol_breakages(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(protocol_breakages) / sizeof(protocol_breakages[0]); i++)
        expect_broken(&protocol_breakages[i]);
}

/* What may be left out: the pre-session instructions, the maintenance (null), a range or a
 * value of a preparation parameter, and a two-decimal discount. */
static void
test_optional_parts(void **state)
{
    struct copy c;
    struct course_protocols *p = NULL;
    struct fail f;

    (void)state;
    copy_make(&c);
    json_t *doc = load_json(c.dir, "prp-hair.json");
    edit(doc, "pre_session_instructions", NULL);
    edit(doc, "maintenance", "null");
    edit(doc, "pricing.package_discount_percent", "12.5");
    edit(doc, "follow_ups", "[]");
    save_json(c.dir, "prp-hair.json", doc);
    json_decref(doc);
    fail_clear(&f);
    int st = course_protocols_load(c.dir, &p, &f);
    copy_remove(&c);
    if (st != ST_OK)
        fail_msg("optional parts left out do not load: %s", f.message);
    const struct course_protocol *hair = course_protocols_find(p, "prp-hair");
    assert_int_equal(hair->npre_session, 0);
    assert_false(hair->has_maintenance);
    assert_int_equal(hair->nfollow_ups, 0);
    assert_int_equal(hair->discount_hundredths, 1250);
    course_protocols_free(p);
}

/* A protocol document read back from bytes, as a course reads the one it was prescribed with. */
static void
test_parse_bytes(void **state)
{
    struct course_protocol *p = NULL;
    struct fail f;

    (void)state;
    json_t *doc = load_json(SHIPPED, "adsc-hair.json");
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    fail_clear(&f);
    assert_int_equal(course_protocol_parse("stored", text, strlen(text), &p, &f), ST_OK);
    assert_string_equal(p->code, "adsc-hair");
    assert_null(p->file);
    assert_int_equal(p->text_len, strlen(text));
    course_protocol_free(p);
    free(text);

    p = (struct course_protocol *)1;
    assert_int_equal(course_protocol_parse("stored", "{\"code\":", 8, &p, &f), ST_INVALID);
    assert_null(p);
    assert_string_equal(f.code, "invalid_json");
    assert_non_null(strstr(f.message, "stored: line 1"));
}

/* One band per measure. */
static void
test_outcome_band_twice(void **state)
{
    struct breakage b = {"prp-hair.json",
                         "outcomes.expected.1",
                         NULL,
                         "duplicate",
                         "measure",
                         "outcomes.expected[1] (hair_density)"};
    struct copy c;
    struct course_protocols *p = NULL;
    struct fail f;

    (void)state;
    copy_make(&c);
    json_t *doc = load_json(c.dir, b.file);
    json_t *arr = json_object_get(json_object_get(doc, "outcomes"), "expected");
    json_array_append_new(arr, json_deep_copy(json_array_get(arr, 0)));
    save_json(c.dir, b.file, doc);
    json_decref(doc);
    fail_clear(&f);
    int st = course_protocols_load(c.dir, &p, &f);
    copy_remove(&c);
    assert_int_equal(st, ST_INVALID);
    assert_null(p);
    assert_string_equal(f.code, b.code);
    assert_string_equal(f.field, b.field);
    assert_non_null(strstr(f.message, b.where));
}

/* The measures the outcomes name are checked against measures.json once both are read. */
static const char *
fake_measure_type(const void *ctx, const char *measure)
{
    (void)ctx;
    if (!strcmp(measure, "hair_density"))
        return "number";
    if (!strcmp(measure, "norwood"))
        return "code";
    return NULL;
}

static const char *
no_measures(const void *ctx, const char *measure)
{
    (void)ctx;
    (void)measure;
    return NULL;
}

static void
test_outcome_measures(void **state)
{
    struct course_protocols *p = NULL;
    struct fail f;

    (void)state;
    fail_clear(&f);
    assert_int_equal(course_protocols_load(SHIPPED, &p, &f), ST_OK);
    assert_int_equal(course_protocols_check_measures(p, fake_measure_type, NULL, &f), ST_OK);
    assert_int_equal(course_protocols_check_measures(p, no_measures, NULL, &f), ST_INVALID);
    assert_string_equal(f.code, "unknown_measure");
    assert_string_equal(f.field, "measure");
    assert_non_null(strstr(f.message, "prp-hair.json: outcomes.expected[0] (hair_density)"));

    /* A coded grade cannot carry a range of changes. */
    struct course_protocol *hair = &p->protocols[0];
    free(hair->outcomes.responder_measure);
    hair->outcomes.responder_measure = strdup("norwood");
    fail_clear(&f);
    assert_int_equal(course_protocols_check_measures(p, fake_measure_type, NULL, &f), ST_INVALID);
    assert_string_equal(f.code, "invalid_value");
    assert_non_null(strstr(f.message, "outcomes.responder"));
    course_protocols_free(p);
}

/* A document kept with a course prescribed before the outcomes existed still reads. */
static void
test_document_without_outcomes(void **state)
{
    struct course_protocol *p = NULL;
    struct fail f;

    (void)state;
    json_t *doc = load_json(SHIPPED, "prp-hair.json");
    json_object_del(doc, "outcomes");
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    fail_clear(&f);
    assert_int_equal(course_protocol_parse("stored", text, strlen(text), &p, &f), ST_OK);
    assert_false(p->outcomes.present);
    assert_null(course_protocol_expected(p, "hair_density"));
    course_protocol_free(p);
    free(text);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped),
        cmocka_unit_test(test_copy_loads),
        cmocka_unit_test(test_catalogue_breakages),
        cmocka_unit_test(test_protocol_breakages),
        cmocka_unit_test(test_optional_parts),
        cmocka_unit_test(test_parse_bytes),
        cmocka_unit_test(test_outcome_band_twice),
        cmocka_unit_test(test_outcome_measures),
        cmocka_unit_test(test_document_without_outcomes),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
