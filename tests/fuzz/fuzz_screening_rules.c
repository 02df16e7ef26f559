/* libFuzzer target for src/clinic/screening_rules.c and screening.c: arbitrary bytes as a rules
 * file; whatever loads is then evaluated for every treatment against a patient who gives every
 * kind of rule something to match, and turned into JSON. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clinic/screening.h"
#include "clinic/screening_rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken promise is a crash, so that libFuzzer keeps the input. */
#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

#define S INT64_C(1796115600000)
#define H INT64_C(3600000)

static void
evaluate_all(const struct screening_rules *r)
{
    /* the first code of each list, whatever the file calls it */
    const char *cond = r->conditions.items[0].code;
    struct screening_medication meds[] = {
        {r->medication_classes.items[0].code, false, true, S - 30 * H},
        {r->medication_classes.items[r->medication_classes.n - 1].code, true, false, 0},
    };
    struct screening_lab labs[] = {
        {r->analytes.items[0].code, 1.0, S - 24 * H, true, 2.0, true, 5.0},
        {r->analytes.items[r->analytes.n - 1].code, 1e9, S - 200 * 24 * H, false, 0, false, 0},
    };
    struct screening_finding findings[3];
    size_t nf = 0;
    for (size_t i = 0; i < r->findings.n && nf < 3; i++)
        findings[nf++] = (struct screening_finding){
            r->findings.items[i].code, true, i % 2 == 0, 40.0, i % 3 != 0, S - 24 * H * (int64_t)i};
    struct screening_input in = {NULL, S, &cond, 1, meds, 2, labs, 2, findings, nf};

    for (size_t t = 0; t < r->treatments.n; t++) {
        struct screening_result res;
        in.treatment = r->treatments.items[t].code;
        int st = screening_evaluate(r, &in, &res);
        CHECK(st == ST_OK || st == ST_NOMEM);
        if (st != ST_OK)
            continue;
        CHECK(res.nreasons <= r->nrules);
        bool required = false;
        for (size_t i = 0; i < res.nmissing; i++)
            required = required || res.missing[i].required;
        for (size_t i = 0; i < res.nreasons; i++) {
            CHECK(res.reasons[i].rule->treatments & ((uint32_t)1 << t));
            if (i > 0)
                CHECK(res.reasons[i - 1].rule->effect >= res.reasons[i].rule->effect);
        }
        if (res.nreasons && res.reasons[0].rule->effect == SCREENING_EFFECT_CONTRAINDICATED)
            CHECK(res.outcome == SCREENING_CONTRAINDICATED);
        else if (required)
            CHECK(res.outcome == SCREENING_INCOMPLETE);
        json_t *j = screening_result_to_json(&res);
        json_decref(j);
        screening_result_release(&res);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct screening_rules *r = (struct screening_rules *)&r;
    struct fail f;

    int st = screening_rules_parse("fuzz.json", (const char *)data, size, &r, &f);
    if (st != ST_OK) {
        CHECK(r == NULL);
        CHECK(st == ST_INVALID || st == ST_TOO_BIG || st == ST_NOMEM);
        CHECK(f.status == st && f.code[0] != '\0' && f.message[0] != '\0');
        CHECK(strncmp(f.message, "fuzz.json: ", 11) == 0);
        return 0;
    }
    CHECK(r->nrules > 0 && r->treatments.n > 0);
    evaluate_all(r);
    screening_rules_free(r);
    return 0;
}
