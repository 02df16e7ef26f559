/* libFuzzer target for labs_csv_parse (src/clinic/labs_csv.c): arbitrary bytes as a lab's CSV
 * export, checked against the shipped protocols/labs.json (run from the source root). */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clinic/labs.h"
#include "clinic/labs_csv.h"
#include "core/text.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

static struct labs *table;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    struct fail f = {0};

    (void)argc;
    (void)argv;
    if (labs_load("protocols/labs.json", &table, &f) != ST_OK) {
        fprintf(stderr, "fuzz_labs_csv: %s (run from the source root)\n", f.message);
        abort();
    }
    return 0;
}

static bool
owns(const struct labs_analyte *a, const struct labs_unit *u)
{
    return u >= a->units && u < a->units + a->nunits;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct labs_csv_preview p;
    struct fail f = {0};
    size_t last = 1;

    int st = labs_csv_parse(table, (const char *)data, size, 180, &p, &f);
    if (st != ST_OK) {
        /* A failure of the whole file names a reason and leaves nothing behind. */
        CHECK(st == ST_INVALID || st == ST_TOO_BIG);
        CHECK(f.code[0] != '\0' && f.message[0] != '\0');
        CHECK(p.rows == NULL && p.nrows == 0);
        return 0;
    }
    CHECK(p.nrows <= LABS_CSV_MAX_ROWS);
    CHECK(p.nok + p.nfailed == p.nrows);
    for (size_t i = 0; i < p.nrows; i++) {
        const struct labs_csv_row *r = &p.rows[i];
        /* Rows come in file order after the header. */
        CHECK(r->row > last);
        last = r->row;
        for (int c = 0; c < LABS_CSV_NCOLUMNS; c++) {
            const char *t = r->text[c];
            if (t) {
                size_t n = strlen(t);
                CHECK(n <= LABS_CSV_MAX_FIELD);
                CHECK(text_valid_utf8(t, n));
            }
        }
        CHECK(r->ok == (r->nerrors == 0));
        for (size_t e = 0; e < r->nerrors; e++) {
            CHECK(strncmp(r->errors[e].message, "row ", 4) == 0);
            CHECK(text_valid_utf8(r->errors[e].message, strlen(r->errors[e].message)));
        }
        if (!r->ok)
            continue;
        /* An accepted row is complete and converts back to the value it was given in. */
        double back;
        CHECK(r->analyte && r->unit && owns(r->analyte, r->unit));
        CHECK(isfinite(r->value) && r->value >= 0 && isfinite(r->canonical));
        CHECK(labs_from_canonical(r->analyte, r->canonical, r->unit, &back) == ST_OK);
        CHECK(fabs(back - r->value) <= 1e-9 * fmax(1.0, r->value));
        CHECK(!r->has_low || !r->has_high || r->reference_low <= r->reference_high);
    }
    labs_csv_release(&p);
    CHECK(p.rows == NULL);
    return 0;
}
