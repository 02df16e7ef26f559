/* libFuzzer target for trichoscopy_csv_parse (src/clinic/trichoscopy_csv.c): arbitrary bytes as a
 * trichoscopy program's CSV export, checked against the shipped protocols/measures.json (run
 * from the source root). */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clinic/measures.h"
#include "clinic/trichoscopy_csv.h"
#include "core/date.h"
#include "core/text.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            __builtin_trap();                                                                      \
    } while (0)

static struct measures *measures;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    struct fail f = {0};

    (void)argc;
    (void)argv;
    if (measures_load("protocols/measures.json", &measures, &f) != ST_OK) {
        fprintf(stderr, "fuzz_trichoscopy_csv: %s (run from the source root)\n", f.message);
        abort();
    }
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct trichoscopy_context ctx = {
        .mrn = "10000057", .today = "2026-06-30", .date_of_birth = "1980-04-02"};
    struct trichoscopy_preview p;
    struct fail f = {0};
    size_t last = 1;

    int st = trichoscopy_csv_parse(measures, (const char *)data, size, &ctx, &p, &f);
    if (st != ST_OK) {
        /* A failure of the whole file names a reason and leaves nothing behind. */
        CHECK(st == ST_INVALID || st == ST_TOO_BIG);
        CHECK(f.code[0] != '\0' && f.message[0] != '\0');
        CHECK(p.rows == NULL && p.nrows == 0 && p.ignored == NULL);
        return 0;
    }
    CHECK(p.delimiter == ',' || p.delimiter == ';');
    CHECK(p.present[TRICHOSCOPY_DATE]);
    CHECK(p.nrows <= TRICHOSCOPY_CSV_MAX_ROWS);
    CHECK(p.nok + p.nfailed == p.nrows);
    for (size_t i = 0; i < p.nignored; i++)
        CHECK(text_valid_utf8(p.ignored[i], strlen(p.ignored[i])));
    for (size_t i = 0; i < p.nrows; i++) {
        const struct trichoscopy_row *r = &p.rows[i];
        /* Rows come in file order after the header. */
        CHECK(r->row > last);
        last = r->row;
        CHECK(r->ok == (r->nerrors == 0));
        for (size_t e = 0; e < r->nerrors; e++) {
            CHECK(strncmp(r->errors[e].message, "row ", 4) == 0);
            CHECK(text_valid_utf8(r->errors[e].message, strlen(r->errors[e].message)));
        }
        if (r->has_date) {
            struct date d;
            CHECK(date_parse(r->date, &d) == ST_OK);
            CHECK(strcmp(r->date, ctx.today) <= 0 && strcmp(r->date, ctx.date_of_birth) >= 0);
        }
        CHECK(!r->has_area || (r->area_cm2 > 0 && r->area_cm2 <= TRICHOSCOPY_AREA_MAX_CM2));
        /* Every value read is one its measure accepts, as entering it by hand would be. */
        size_t nvalues = 0;
        for (int c = TRICHOSCOPY_FIRST_MEASURE; c < TRICHOSCOPY_NCOLUMNS; c++) {
            if (!r->has[c])
                continue;
            nvalues++;
            const struct measures_measure *mm =
                measures_find(measures, trichoscopy_column_name((enum trichoscopy_column)c));
            CHECK(mm && p.present[c]);
            CHECK(measures_check_number(mm, r->value[c], "v", &f) == ST_OK);
        }
        if (r->ok)
            CHECK(r->has_date && nvalues > 0);
    }
    json_t *j = trichoscopy_preview_json(&p);
    CHECK(j != NULL);
    CHECK(json_array_size(json_object_get(j, "rows")) == p.nrows);
    json_decref(j);
    trichoscopy_csv_release(&p);
    CHECK(p.rows == NULL);
    return 0;
}
