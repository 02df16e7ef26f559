/* Unit tests of src/prp/classify: every classification of hand-worked preparations, the band
 * edges, unknown inputs giving unknown parts, and refusal of impossible inputs. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "prp/classify.h"

#define U CLASSIFY_UNKNOWN

static void
assert_num(double got, double want, double tol)
{
    if (isnan(want)) {
        if (!isnan(got))
            fail_msg("got %.15g, want unknown", got);
        return;
    }
    if (!(fabs(got - want) <= tol))
        fail_msg("got %.15g, want %.15g", got, want);
}

struct row {
    const char *what;
    struct classify_input in;
    double cf, recovery, dose, purity;
    const char *paw, *mishra, *dohan, *plra, *depa;
};

static const struct row rows[] = {
    {"pure PRP",
     /* blood 250 000 plt, 6 500 WBC (3 900 neutrophils), 4.5 M RBC, Hct 0.42, 20 mL;
      * PRP 1.1 M plt, 300 WBC (20 neutrophils), 20 000 RBC, 3 mL, not activated */
     {{250000, 6500, 3900, 4.5e6, 0.42},
      {1.1e6, 300, 20, 20000, U},
      20.0,
      3.0,
      CLASSIFY_FLAG_NO,
      CLASSIFY_FIBRIN_LOW},
     /* CF 1.1e6/2.5e5 = 4.4; recovery 1.1e6·3/(2.5e5·20) = 66 %;
      * dose 1.1e6·3·1000/1e9 = 3.3; purity 1.1e6/(1.1e6 + 20 000 + 300) = 98.188 % */
     4.4,
     66.0,
     3.3,
     98.187985361064,
     /* P3 (750 000 < 1.1 M ≤ 1.25 M), no x, WBC 300 ≤ 6 500 → B, 20 ≤ 3 900 → β */
     "P3-Bβ",
     /* minimal WBC, not activated → 3; 4.4 < 5 → B */
     "3B",
     "P-PRP",
     /* neutrophils 20/300 = 6.7 % > 1 % → L+; Hct 20 000·0.42/4.5e6 = 0.19 % → R- */
     "P 1100000/µL, L+, R-, A-, 3.0 mL",
     /* purity 98.2 % > 90 % → A */
     "D 3.30×10⁹, E 66.0 %, P A, A-"},
    {"activated leukocyte-rich PRP",
     /* blood 200 000 plt, 6 000 WBC (3 600 neu), 4.8 M RBC, Hct 0.45, 60 mL;
      * PRP 1.4 M plt, 15 000 WBC (9 000 neu), 300 000 RBC, 6 mL, activated */
     {{200000, 6000, 3600, 4.8e6, 0.45},
      {1.4e6, 15000, 9000, 300000, U},
      60.0,
      6.0,
      CLASSIFY_FLAG_YES,
      CLASSIFY_FIBRIN_LOW},
     /* CF 7; recovery 1.4e6·6/(2e5·60) = 70 %; dose 8.4; purity 1.4e6/1.715e6 = 81.633 % */
     7.0,
     70.0,
     8.4,
     81.63265306122449,
     /* P4 (> 1.25 M), x, 15 000 > 6 000 → A, 9 000 > 3 600 → α */
     "P4-x-Aα",
     /* increased WBC, activated → 2; 7 ≥ 5 → A */
     "2A",
     "L-PRP",
     /* 60 % neutrophils → L+; Hct 300 000·0.45/4.8e6 = 2.8 % → R+ */
     "P 1400000/µL, L+, R+, A+, 6.0 mL",
     "D 8.40×10⁹, E 70.0 %, P 81.6 %, A+"},
    {"band edges",
     /* PRP exactly 1 250 000 = 5 × 250 000: P3 (the band includes its top) and Mishra A
      * (≥ 5×); WBC and neutrophils equal to baseline: B and β; Hct exactly 1 %: R- (not above) */
     {{250000, 6000, 3000, U, U},
      {1250000, 6000, 3000, 244000, 0.01},
      10.0,
      2.0,
      CLASSIFY_FLAG_NO,
      CLASSIFY_FIBRIN_HIGH},
     /* CF 5; recovery 1.25e6·2/(2.5e5·10) = 100 %; dose 2.5;
      * purity 1.25e6/(1.25e6 + 244 000 + 6 000) = 1.25e6/1.5e6 = 83.333 % */
     5.0,
     100.0,
     2.5,
     83.33333333333333,
     "P3-Bβ",
     "3A",
     "P-PRF",
     "P 1250000/µL, L+, R-, A-, 2.0 mL",
     "D 2.50×10⁹, E 100.0 %, P 83.3 %, A-"},
    {"P1 and purity edges",
     /* PRP equal to baseline is P1; neutrophils exactly 1 % of WBC is L- (not above); purity
      * 100·450 000/(450 000 + 49 900 + 100) = 4.5e7/5e5 = 90 % exactly is not above 90: a number */
     {{450000, 5000, 2000, U, U},
      {450000, 100, 1, 49900, U},
      U,
      U,
      CLASSIFY_FLAG_NO,
      CLASSIFY_FIBRIN_UNKNOWN},
     /* CF 1; recovery and dose need volumes: unknown */
     1.0,
     U,
     U,
     90.0,
     "P1-Bβ",
     "3B",
     "P-?",
     "P 450000/µL, L-, R?, A-, ? mL",
     "D ?, E ?, P 90.0 %, A-"},
    {"P2 top",
     /* 750 000 over a baseline of 150 000: P2 (its top is included), CF exactly 5 → A */
     {{150000, U, U, U, U},
      {750000, U, U, U, U},
      U,
      U,
      CLASSIFY_FLAG_UNKNOWN,
      CLASSIFY_FIBRIN_UNKNOWN},
     5.0,
     U,
     U,
     U,
     "P2-?-??",
     "?A",
     "?-?",
     "P 750000/µL, L?, R?, A?, ? mL",
     "D ?, E ?, P ?, A?"},
    {"just over the P3 band",
     {{250000, 6000, U, U, U},
      {1250001, 7000, U, U, U},
      U,
      1.0,
      CLASSIFY_FLAG_YES,
      CLASSIFY_FIBRIN_LOW},
     /* dose 1 250 001·1·1000/1e9 = 1.250001 → "1.25" */
     5.000004,
     U,
     1.250001,
     U,
     "P4-x-A?",
     "2A",
     "L-PRP",
     "P 1250001/µL, L?, R?, A+, 1.0 mL",
     "D 1.25×10⁹, E ?, P ?, A+"},
    {"red cells from the PRP haematocrit",
     /* PRP Hct 2 % but no RBC count: R+; purity uses RBC = 0.02/(0.42/4.5e6) = 214 285.7 /µL:
      * 1e6/(1e6 + 214 285.7 + 1 000) = 1e6/1 215 285.7 = 82.285 % */
     {{250000, 6500, U, 4.5e6, 0.42},
      {1e6, 1000, U, U, 0.02},
      U,
      U,
      CLASSIFY_FLAG_NO,
      CLASSIFY_FIBRIN_LOW},
     4.0,
     U,
     U,
     82.28517691313036,
     "P3-B?",
     "3B",
     "P-PRP",
     "P 1000000/µL, L?, R+, A-, ? mL",
     "D ?, E ?, P 82.3 %, A-"},
    {"nothing known",
     {{U, U, U, U, U}, {U, U, U, U, U}, U, U, CLASSIFY_FLAG_UNKNOWN, CLASSIFY_FIBRIN_UNKNOWN},
     U,
     U,
     U,
     U,
     "P?-?-??",
     "??",
     "?-?",
     "P ?/µL, L?, R?, A?, ? mL",
     "D ?, E ?, P ?, A?"},
};

static void
test_rows(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const struct row *r = &rows[i];
        struct classify_result out;
        struct fail f = {0};
        print_message("%s\n", r->what);
        assert_int_equal(classify_compute(&r->in, &out, &f), ST_OK);
        assert_num(out.concentration_factor, r->cf, 1e-12);
        assert_num(out.recovery_pct, r->recovery, 1e-9);
        assert_num(out.depa.dose_billion, r->dose, 1e-12);
        assert_num(out.depa.efficiency_pct, r->recovery, 1e-9);
        assert_num(out.depa.purity_pct, r->purity, 1e-9);
        assert_num(out.plra.platelets_per_ul, r->in.prp.platelets_per_ul, 0.0);
        assert_string_equal(out.paw.code, r->paw);
        assert_string_equal(out.mishra.code, r->mishra);
        assert_string_equal(out.dohan.code, r->dohan);
        assert_string_equal(out.plra.code, r->plra);
        assert_string_equal(out.depa.code, r->depa);
    }
}

/* The parts behind the codes of the first two rows. */
static void
test_parts(void **state)
{
    (void)state;
    struct classify_result out;
    assert_int_equal(classify_compute(&rows[0].in, &out, NULL), ST_OK);
    assert_int_equal(out.paw.platelets, 3);
    assert_int_equal(out.paw.activated, CLASSIFY_FLAG_NO);
    assert_int_equal(out.paw.wbc_above, CLASSIFY_FLAG_NO);
    assert_int_equal(out.paw.neutrophils_above, CLASSIFY_FLAG_NO);
    assert_int_equal(out.mishra.type, 3);
    assert_int_equal(out.mishra.subtype, 'B');
    assert_int_equal(out.dohan.leukocytes, CLASSIFY_FLAG_NO);
    assert_int_equal(out.dohan.fibrin, CLASSIFY_FIBRIN_LOW);
    assert_int_equal(out.plra.leukocytes, CLASSIFY_FLAG_YES);
    assert_int_equal(out.plra.red_cells, CLASSIFY_FLAG_NO);
    assert_int_equal(out.depa.grade_a, CLASSIFY_FLAG_YES);
    assert_int_equal(classify_compute(&rows[1].in, &out, NULL), ST_OK);
    assert_int_equal(out.paw.platelets, 4);
    assert_int_equal(out.mishra.type, 2);
    assert_int_equal(out.mishra.subtype, 'A');
    assert_int_equal(out.depa.grade_a, CLASSIFY_FLAG_NO);
    assert_num(out.plra.volume_ml, 6.0, 0.0);
    /* Mishra types 1 and 4, which no row above produces */
    struct classify_input in = rows[1].in;
    in.activated = CLASSIFY_FLAG_NO;
    assert_int_equal(classify_compute(&in, &out, NULL), ST_OK);
    assert_string_equal(out.mishra.code, "1A");
    in = rows[0].in;
    in.activated = CLASSIFY_FLAG_YES;
    assert_int_equal(classify_compute(&in, &out, NULL), ST_OK);
    assert_string_equal(out.mishra.code, "4B");
    assert_string_equal(out.paw.code, "P3-x-Bβ");
}

static void
test_init(void **state)
{
    (void)state;
    struct classify_input in;
    memset(&in, 0x5a, sizeof in);
    classify_input_init(&in);
    assert_true(isnan(in.blood.platelets_per_ul) && isnan(in.prp.hct));
    assert_true(isnan(in.blood_volume_ml) && isnan(in.prp_volume_ml));
    assert_int_equal(in.activated, CLASSIFY_FLAG_UNKNOWN);
    assert_int_equal(in.fibrin, CLASSIFY_FIBRIN_UNKNOWN);
    assert_string_equal(classify_flag_name(CLASSIFY_FLAG_UNKNOWN), "unknown");
    assert_string_equal(classify_flag_name(CLASSIFY_FLAG_NO), "no");
    assert_string_equal(classify_flag_name(CLASSIFY_FLAG_YES), "yes");
    assert_string_equal(classify_flag_name((enum classify_flag)9), "unknown");
}

struct bad {
    const char *field;
    void (*spoil)(struct classify_input *in);
};

static void
spoil_count(struct classify_input *in)
{
    in->prp.platelets_per_ul = -1.0;
}
static void
spoil_inf(struct classify_input *in)
{
    in->blood.rbc_per_ul = INFINITY;
}
static void
spoil_hct(struct classify_input *in)
{
    in->prp.hct = 1.5;
}
static void
spoil_blood_hct(struct classify_input *in)
{
    in->blood.hct = -0.1;
}
static void
spoil_volume(struct classify_input *in)
{
    in->prp_volume_ml = 0.0;
}
static void
spoil_blood_volume(struct classify_input *in)
{
    in->blood_volume_ml = -3.0;
}
static void
spoil_baseline(struct classify_input *in)
{
    in->blood.platelets_per_ul = 0.0;
}
static void
spoil_neutrophils(struct classify_input *in)
{
    in->prp.neutrophils_per_ul = 301.0;
}
static void
spoil_activated(struct classify_input *in)
{
    in->activated = (enum classify_flag)3;
}
static void
spoil_fibrin(struct classify_input *in)
{
    in->fibrin = (enum classify_fibrin) - 1;
}

static void
test_invalid(void **state)
{
    (void)state;
    static const struct bad bads[] = {
        {"prp.platelets_per_ul", spoil_count},
        {"blood.rbc_per_ul", spoil_inf},
        {"prp.hct", spoil_hct},
        {"blood.hct", spoil_blood_hct},
        {"prp_volume_ml", spoil_volume},
        {"blood_volume_ml", spoil_blood_volume},
        {"blood.platelets_per_ul", spoil_baseline},
        {"prp.neutrophils_per_ul", spoil_neutrophils},
        {"activated", spoil_activated},
        {"fibrin", spoil_fibrin},
    };
    for (size_t i = 0; i < sizeof bads / sizeof bads[0]; i++) {
        struct classify_input in = rows[0].in;
        bads[i].spoil(&in);
        struct classify_result out;
        memset(&out, 0x5a, sizeof out);
        struct fail f = {0};
        assert_int_equal(classify_compute(&in, &out, &f), ST_INVALID);
        assert_int_equal(f.status, ST_INVALID);
        assert_string_equal(f.code, "invalid_value");
        assert_string_equal(f.field, bads[i].field);
        assert_true(strstr(f.message, bads[i].field) != NULL);
        /* the output is zeroed, not half filled */
        assert_true(out.concentration_factor == 0.0);
        assert_string_equal(out.paw.code, "");
        /* and a NULL fail is allowed */
        assert_int_equal(classify_compute(&in, &out, NULL), ST_INVALID);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows),
        cmocka_unit_test(test_parts),
        cmocka_unit_test(test_init),
        cmocka_unit_test(test_invalid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
