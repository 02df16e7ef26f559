/* Unit tests of src/clinic/drugs.c: the shipped dictionary loads and covers the drugs screening
 * needs, broken files name the file, drug and field, and search finds names in both scripts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "clinic/drugs.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define SHIPPED AUTOLOGA_PROTOCOLS_DIR "/drugs.json"

static struct drugs *shipped;

static int
setup(void **state)
{
    struct fail f = {0};

    (void)state;
    if (drugs_load(SHIPPED, &shipped, &f) != ST_OK) {
        fprintf(stderr, "cannot load %s: %s\n", SHIPPED, f.message);
        return -1;
    }
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    drugs_free(shipped);
    shipped = NULL;
    return 0;
}

/* ---- the shipped file ---- */

static void
test_shipped_classes(void **state)
{
    (void)state;
    for (int c = 0; c < DRUGS_NCLASSES; c++) {
        enum drugs_class back;
        const char *code = drugs_class_code((enum drugs_class)c);
        assert_non_null(code);
        assert_int_equal(drugs_class_parse(code, &back), ST_OK);
        assert_int_equal(back, c);
        assert_non_null(drugs_class_label(shipped, (enum drugs_class)c, "en"));
        assert_non_null(drugs_class_label(shipped, (enum drugs_class)c, "ar"));
        assert_string_not_equal(drugs_class_label(shipped, (enum drugs_class)c, "en"),
                                drugs_class_label(shipped, (enum drugs_class)c, "ar"));
    }
    enum drugs_class back;
    assert_int_equal(drugs_class_parse("nsaid", &back), ST_NOT_FOUND);
    assert_int_equal(back, DRUGS_OTHER);
    assert_null(drugs_class_code(DRUGS_NCLASSES));
    assert_string_equal(drugs_class_label(shipped, DRUGS_NSAID_COX2, "en"),
                        "COX-2 selective NSAID");
}

/* Every drug the brief of screening names, with the class that decides its rule. */
static void
test_shipped_coverage(void **state)
{
    static const struct {
        const char *code;
        enum drugs_class cls;
    } cases[] = {
        {"aspirin", DRUGS_ASPIRIN},
        {"clopidogrel", DRUGS_ANTIPLATELET},
        {"prasugrel", DRUGS_ANTIPLATELET},
        {"ticagrelor", DRUGS_ANTIPLATELET},
        {"warfarin", DRUGS_ANTICOAGULANT},
        {"rivaroxaban", DRUGS_ANTICOAGULANT},
        {"apixaban", DRUGS_ANTICOAGULANT},
        {"dabigatran", DRUGS_ANTICOAGULANT},
        {"edoxaban", DRUGS_ANTICOAGULANT},
        {"enoxaparin", DRUGS_ANTICOAGULANT},
        {"heparin", DRUGS_ANTICOAGULANT},
        {"ibuprofen", DRUGS_NSAID_NONSELECTIVE},
        {"naproxen", DRUGS_NSAID_NONSELECTIVE},
        {"diclofenac", DRUGS_NSAID_NONSELECTIVE},
        {"ketoprofen", DRUGS_NSAID_NONSELECTIVE},
        {"indometacin", DRUGS_NSAID_NONSELECTIVE},
        {"mefenamic_acid", DRUGS_NSAID_NONSELECTIVE},
        {"meloxicam", DRUGS_NSAID_NONSELECTIVE},
        {"piroxicam", DRUGS_NSAID_NONSELECTIVE},
        {"celecoxib", DRUGS_NSAID_COX2},
        {"etoricoxib", DRUGS_NSAID_COX2},
        {"prednisolone", DRUGS_CORTICOSTEROID_SYSTEMIC},
        {"prednisone", DRUGS_CORTICOSTEROID_SYSTEMIC},
        {"dexamethasone", DRUGS_CORTICOSTEROID_SYSTEMIC},
        {"methylprednisolone", DRUGS_CORTICOSTEROID_SYSTEMIC},
        {"hydrocortisone_systemic", DRUGS_CORTICOSTEROID_SYSTEMIC},
        {"triamcinolone_injection", DRUGS_STEROID_INJECTION_LOCAL},
        {"paracetamol", DRUGS_PARACETAMOL},
        {"isotretinoin", DRUGS_ISOTRETINOIN},
        {"finasteride", DRUGS_FINASTERIDE_DUTASTERIDE},
        {"dutasteride", DRUGS_FINASTERIDE_DUTASTERIDE},
        {"minoxidil_topical", DRUGS_MINOXIDIL},
        {"minoxidil_oral", DRUGS_MINOXIDIL},
        {"omega3_fish_oil", DRUGS_SUPPLEMENT_BLEEDING},
        {"ginkgo", DRUGS_SUPPLEMENT_BLEEDING},
        {"vitamin_e_high_dose", DRUGS_SUPPLEMENT_BLEEDING},
        {"garlic_supplement", DRUGS_SUPPLEMENT_BLEEDING},
        {"atorvastatin", DRUGS_STATIN},
        {"rosuvastatin", DRUGS_STATIN},
        {"simvastatin", DRUGS_STATIN},
    };

    (void)state;
    for (size_t i = 0; i < N(cases); i++) {
        const struct drugs_drug *g = drugs_find(shipped, cases[i].code);
        if (!g)
            fail_msg("drug '%s' is missing", cases[i].code);
        if (g->cls != cases[i].cls)
            fail_msg("drug '%s': class %s, expected %s", cases[i].code, drugs_class_code(g->cls),
                     drugs_class_code(cases[i].cls));
    }
    assert_null(drugs_find(shipped, "nosuchdrug"));
    assert_true(drugs_count(shipped) >= N(cases));
    assert_null(drugs_at(shipped, drugs_count(shipped)));
}

/* Each name of the file, typed in full, finds its own drug first: the whole dictionary is
 * searchable, every keystroke's work is one linear pass. */
static void
test_every_name_finds_its_drug(void **state)
{
    struct drugs_hit hits[8];

    (void)state;
    for (size_t i = 0; i < drugs_count(shipped); i++) {
        const struct drugs_drug *g = drugs_at(shipped, i);
        const char *names[64];
        size_t n = 0;
        names[n++] = g->name_en;
        names[n++] = g->name_ar;
        for (size_t k = 0; k < g->nsynonyms && n < N(names); k++)
            names[n++] = g->synonyms[k];
        for (size_t k = 0; k < g->nbrands && n < N(names); k++)
            names[n++] = g->brands[k];
        for (size_t k = 0; k < n; k++) {
            int got = drugs_search(shipped, names[k], N(hits), hits);
            if (got < 1)
                fail_msg("'%s' finds nothing", names[k]);
            if (hits[0].drug != g || hits[0].rank != DRUGS_EXACT ||
                strcmp(hits[0].name, names[k]) != 0)
                fail_msg("'%s' finds '%s' (%s) first", names[k], hits[0].name, hits[0].drug->code);
        }
    }
}

/* ---- search ---- */

static const struct search_case {
    const char *query;
    const char *drug; /* a drug expected among the hits */
    const char *name; /* through this name */
    enum drugs_rank rank;
    bool first; /* and as the first hit */
} search_cases[] = {
    {"brufen", "ibuprofen", "Brufen", DRUGS_EXACT, true},
    {"BRUFEN", "ibuprofen", "Brufen", DRUGS_EXACT, true},
    {"بروفين", "ibuprofen", "بروفين", DRUGS_EXACT, true},
    {"ibu", "ibuprofen", "ibuprofen", DRUGS_FIRST_WORD, true},
    {"Ibupro", "ibuprofen", "ibuprofen", DRUGS_FIRST_WORD, true},
    {"asp", "aspirin", "aspirin", DRUGS_FIRST_WORD, true},
    {"asp", "aspirin", "Aspocid", DRUGS_FIRST_WORD, false},
    {"asp", "aspirin", "Aspirin Protect", DRUGS_FIRST_WORD, false},
    {"protect", "aspirin", "Aspirin Protect", DRUGS_OTHER_WORD, true},
    /* Arabic generic names typed without hamza, with diacritics, with tatweel */
    {"ايبوبروفين", "ibuprofen", "إيبوبروفين", DRUGS_EXACT, true},
    {"ايبو", "ibuprofen", "إيبوبروفين", DRUGS_FIRST_WORD, true},
    {"اسبرين", "aspirin", "أسبرين", DRUGS_EXACT, true},
    {"أَسْبِرِين", "aspirin", "أسبرين", DRUGS_EXACT, true},
    {"بـنـادول", "paracetamol", "بنادول", DRUGS_EXACT, true},
    {"الميفيناميك", "mefenamic_acid", "حمض الميفيناميك", DRUGS_OTHER_WORD, true},
    {"باراسيتامول", "paracetamol", "باراسيتامول", DRUGS_EXACT, true},
    /* brands of the Gulf and the Levant */
    {"panadol", "paracetamol", "Panadol", DRUGS_EXACT, true},
    {"adol", "paracetamol", "Adol", DRUGS_EXACT, true},
    {"volt", "diclofenac", "Voltaren", DRUGS_FIRST_WORD, true},
    {"catafl", "diclofenac", "Cataflam", DRUGS_FIRST_WORD, true},
    {"celeb", "celecoxib", "Celebrex", DRUGS_FIRST_WORD, true},
    {"arcoxia", "etoricoxib", "Arcoxia", DRUGS_EXACT, true},
    {"plavix", "clopidogrel", "Plavix", DRUGS_EXACT, true},
    {"xarelto", "rivaroxaban", "Xarelto", DRUGS_EXACT, true},
    {"marevan", "warfarin", "Marevan", DRUGS_EXACT, true},
    {"coumadin", "warfarin", "Coumadin", DRUGS_EXACT, true},
    {"clexane", "enoxaparin", "Clexane", DRUGS_EXACT, true},
    {"roacc", "isotretinoin", "Roaccutane", DRUGS_FIRST_WORD, true},
    {"propecia", "finasteride", "Propecia", DRUGS_EXACT, true},
    {"avodart", "dutasteride", "Avodart", DRUGS_EXACT, true},
    {"regaine", "minoxidil_topical", "Regaine", DRUGS_EXACT, true},
    {"aspocid", "aspirin", "Aspocid", DRUGS_EXACT, true},
    {"أسبوسيد", "aspirin", "أسبوسيد", DRUGS_EXACT, true},
    /* synonyms, punctuation and several words */
    {"acetaminophen", "paracetamol", "acetaminophen", DRUGS_EXACT, true},
    {"indomethacin", "indometacin", "indomethacin", DRUGS_EXACT, true},
    {"mefenamic ac", "mefenamic_acid", "mefenamic acid", DRUGS_FIRST_WORD, true},
    {"  Mefenamic-Acid ", "mefenamic_acid", "mefenamic acid", DRUGS_EXACT, true},
    {"solu medrol", "methylprednisolone", "Solu-Medrol", DRUGS_EXACT, true},
    {"omega 3", "omega3_fish_oil", "omega-3 fish oil", DRUGS_FIRST_WORD, true},
    {"fish", "omega3_fish_oil", "fish oil", DRUGS_FIRST_WORD, true},
    {"topical", "minoxidil_topical", "minoxidil (topical)", DRUGS_OTHER_WORD, true},
    {"minox", "minoxidil_topical", "minoxidil (topical)", DRUGS_FIRST_WORD, false},
    {"minox", "minoxidil_oral", "minoxidil (oral)", DRUGS_FIRST_WORD, true},
};

static void
test_search(void **state)
{
    struct drugs_hit hits[32];

    (void)state;
    for (size_t i = 0; i < N(search_cases); i++) {
        const struct search_case *c = &search_cases[i];
        int got = drugs_search(shipped, c->query, N(hits), hits);
        int at = -1;
        if (got < 0)
            fail_msg("'%s': status %d", c->query, got);
        for (int k = 0; k < got; k++)
            if (strcmp(hits[k].drug->code, c->drug) == 0 && strcmp(hits[k].name, c->name) == 0)
                at = k;
        if (at < 0)
            fail_msg("'%s' does not find %s through '%s' (%d hits)", c->query, c->drug, c->name,
                     got);
        if (hits[at].rank != c->rank)
            fail_msg("'%s': '%s' has rank %d, expected %d", c->query, c->name, hits[at].rank,
                     c->rank);
        if (hits[at].cls != hits[at].drug->cls)
            fail_msg("'%s': hit class differs from the drug's", c->query);
        if (c->first && at != 0)
            fail_msg("'%s': '%s' is hit %d, not the first ('%s' is)", c->query, c->name, at,
                     hits[0].name);
    }
}

static void
test_search_order_and_limit(void **state)
{
    struct drugs_hit hits[64];
    int got;

    (void)state;
    /* Ranks never go down the list. */
    got = drugs_search(shipped, "a", N(hits), hits);
    assert_true(got > 10);
    for (int k = 1; k < got; k++)
        assert_true(hits[k - 1].rank <= hits[k].rank);
    /* Within a rank shorter names first, then the folded names in byte order. */
    static const char *const asp[] = {"aspirin", "Aspocid", "Aspirin Protect"};
    got = drugs_search(shipped, "asp", N(hits), hits);
    assert_int_equal(got, N(asp));
    for (size_t k = 0; k < N(asp); k++)
        assert_string_equal(hits[k].name, asp[k]);
    /* The limit bounds the answer, keeping the best. */
    struct drugs_hit few[3];
    assert_true(drugs_search(shipped, "a", N(hits), hits) > 3);
    assert_int_equal(drugs_search(shipped, "a", N(few), few), 3);
    for (int k = 0; k < 3; k++)
        assert_ptr_equal(few[k].name, hits[k].name);
    assert_int_equal(drugs_search(shipped, "a", 0, few), 0);
    /* An exact brand beats prefixes of longer names: "بروفين" is Brufen, not Profenid. */
    got = drugs_search(shipped, "بروفين", N(hits), hits);
    assert_int_equal(got, 2);
    assert_string_equal(hits[0].drug->code, "ibuprofen");
    assert_string_equal(hits[1].drug->code, "ketoprofen");
    assert_int_equal(hits[1].rank, DRUGS_FIRST_WORD);
}

static void
test_search_nothing(void **state)
{
    struct drugs_hit hits[4];
    char longq[DRUGS_QUERY_MAX_BYTES + 2];

    (void)state;
    assert_int_equal(drugs_search(shipped, "zzzz", N(hits), hits), 0);
    assert_int_equal(drugs_search(shipped, "", N(hits), hits), 0);
    assert_int_equal(drugs_search(shipped, " -- ", N(hits), hits), 0);
    /* Inside a word is not a prefix of a word. */
    assert_int_equal(drugs_search(shipped, "uprofen", N(hits), hits), 0);
    assert_int_equal(drugs_search(shipped, "\xff\xfe", N(hits), hits), ST_INVALID);
    memset(longq, 'a', sizeof(longq) - 1);
    longq[sizeof(longq) - 1] = '\0';
    assert_int_equal(drugs_search(shipped, longq, N(hits), hits), ST_INVALID);
    longq[DRUGS_QUERY_MAX_BYTES] = '\0';
    assert_int_equal(drugs_search(shipped, longq, N(hits), hits), 0);
    assert_int_equal(drugs_search(NULL, "a", N(hits), hits), ST_INVALID);
}

/* ---- broken files ---- */

#define CLASSES                                                                                    \
    "\"classes\":["                                                                                \
    "{\"code\":\"antiplatelet\",\"label_en\":\"A\",\"label_ar\":\"أ\"},"                          \
    "{\"code\":\"anticoagulant\",\"label_en\":\"A\",\"label_ar\":\"أ\"},"                         \
    "{\"code\":\"aspirin\",\"label_en\":\"A\",\"label_ar\":\"أ\"},"                               \
    "{\"code\":\"nsaid_nonselective\",\"label_en\":\"A\",\"label_ar\":\"أ\"},"                    \
    "{\"code\":\"nsaid_cox2\",\"label_en\":\"A\",\"label_ar\":\"أ\"},"                            \
    "{\"code\":\"corticosteroid_systemic\",\"label_en\":\"A\",\"label_ar\":\"أ\"},"               \
    "{\"code\":\"steroid_injection_local\",\"label_en\":\"A\",\"label_ar\":\"أ\"},"               \
    "{\"code\":\"paracetamol\",\"label_en\":\"A\",\"label_ar\":\"أ\"},"                           \
    "{\"code\":\"isotretinoin\",\"label_en\":\"A\",\"label_ar\":\"أ\"},"                          \
    "{\"code\":\"finasteride_dutasteride\",\"label_en\":\"A\",\"label_ar\":\"أ\"},"               \
    "{\"code\":\"minoxidil\",\"label_en\":\"A\",\"label_ar\":\"أ\"},"                             \
    "{\"code\":\"supplement_bleeding\",\"label_en\":\"A\",\"label_ar\":\"أ\"},"                   \
    "{\"code\":\"statin\",\"label_en\":\"A\",\"label_ar\":\"أ\"}" CLASS_OTHER "]"
#define CLASS_OTHER ",{\"code\":\"other\",\"label_en\":\"Other\",\"label_ar\":\"أخرى\"}"
#define HEAD "{\"schema_version\":1," CLASSES ",\"drugs\":["
#define IBU                                                                                        \
    "{\"code\":\"ibuprofen\",\"class\":\"nsaid_nonselective\",\"name_en\":\"ibuprofen\","          \
    "\"name_ar\":\"إيبوبروفين\",\"brands\":[\"Brufen\",\"بروفين\"]}"
#define TAIL "]}"

static const struct broken_case {
    const char *text;
    const char *code; /* NULL: the file is valid */
    const char *field;
    const char *where; /* expected in the message besides the file name */
} broken_cases[] = {
    {HEAD IBU TAIL, NULL, NULL, NULL},
    {HEAD IBU ",{\"code\":\"x\",\"class\":\"other\",\"name_en\":\"x\",\"name_ar\":\"س\","
              "\"synonyms\":[],\"brands\":[]}" TAIL,
     NULL, NULL, NULL},
    /* the file */
    {"", "invalid_json", "", "line 1"},
    {"[1]", "not_object", "", "one JSON object"},
    {HEAD IBU "]", "invalid_json", "", "line 1"},
    {"{\"schema_version\":1,\"schema_version\":1}", "invalid_json", "", "duplicate"},
    {"{\"schema_version\":2," CLASSES ",\"drugs\":[" IBU TAIL, "schema_version", "schema_version",
     "must be 1"},
    {"{" CLASSES ",\"drugs\":[" IBU TAIL, "schema_version", "schema_version", "must be 1"},
    {"{\"schema_version\":1,\"extra\":0," CLASSES ",\"drugs\":[" IBU TAIL, "unknown_field", "extra",
     "not known"},
    {"{\"schema_version\":1,\"drugs\":[" IBU TAIL, "required", "classes", "classes"},
    {HEAD TAIL, "invalid_type", "drugs", "non-empty"},
    {"{\"schema_version\":1," CLASSES "}", "required", "drugs", "non-empty"},
    /* classes */
    {"{\"schema_version\":1,\"classes\":[{\"code\":\"antiplatelet\",\"label_en\":\"A\","
     "\"label_ar\":\"أ\"}],\"drugs\":[" IBU TAIL,
     "missing_class", "classes", "'anticoagulant'"},
    {"{\"schema_version\":1,\"classes\":[{\"code\":\"nsaid\",\"label_en\":\"A\","
     "\"label_ar\":\"أ\"}],\"drugs\":[" IBU TAIL,
     "unknown_class", "code", "class 'nsaid'"},
    {"{\"schema_version\":1,\"classes\":[{\"code\":\"statin\",\"label_en\":\"A\","
     "\"label_ar\":\"أ\",\"colour\":\"red\"}],\"drugs\":[" IBU TAIL,
     "unknown_field", "colour", "class #1"},
    {"{\"schema_version\":1,\"classes\":[{\"code\":\"statin\",\"label_en\":\"A\"}],"
     "\"drugs\":[" IBU TAIL,
     "required", "label_ar", "class 'statin'"},
    {"{\"schema_version\":1,\"classes\":[{\"code\":\"statin\",\"label_en\":\"A\","
     "\"label_ar\":\"أ\"},{\"code\":\"statin\",\"label_en\":\"A\",\"label_ar\":\"أ\"}],"
     "\"drugs\":[" IBU TAIL,
     "duplicate_class", "code", "class 'statin'"},
    /* drugs */
    {HEAD
     "{\"code\":\"ibuprofen\",\"class\":\"nsaid_nonselective\",\"name_en\":\"ibuprofen\"}" TAIL,
     "required", "name_ar", "drug 'ibuprofen'"},
    {HEAD
     "{\"code\":\"ibuprofen\",\"class\":\"nsaid_nonselective\",\"name_ar\":\"إيبوبروفين\"}" TAIL,
     "required", "name_en", "drug 'ibuprofen'"},
    {HEAD "{\"code\":\"ibuprofen\",\"class\":\"nsaid_nonselective\",\"name_en\":\"  \","
          "\"name_ar\":\"إيبوبروفين\"}" TAIL,
     "invalid_value", "name_en", "drug 'ibuprofen'"},
    {HEAD "{\"code\":\"ibuprofen\",\"class\":\"nsaid_nonselective\",\"name_en\":\"\","
          "\"name_ar\":\"إيبوبروفين\"}" TAIL,
     "required", "name_en", "drug 'ibuprofen'"},
    {HEAD "{\"code\":\"ibuprofen\",\"class\":\"nsaid_nonselective\",\"name_en\":\"إيبوبروفين\","
          "\"name_ar\":\"إيبوبروفين\"}" TAIL,
     "wrong_script", "name_en", "drug 'ibuprofen'"},
    {HEAD "{\"code\":\"ibuprofen\",\"class\":\"nsaid_nonselective\",\"name_en\":\"ibuprofen\","
          "\"name_ar\":\"ibuprofen\"}" TAIL,
     "wrong_script", "name_ar", "drug 'ibuprofen'"},
    {HEAD "{\"code\":\"ibuprofen\",\"class\":\"nsaid\",\"name_en\":\"ibuprofen\","
          "\"name_ar\":\"إيبوبروفين\"}" TAIL,
     "unknown_class", "class", "drug 'ibuprofen'"},
    {HEAD "{\"code\":\"ibuprofen\",\"name_en\":\"ibuprofen\",\"name_ar\":\"إيبوبروفين\"}" TAIL,
     "required", "class", "drug 'ibuprofen'"},
    {HEAD "{\"class\":\"other\",\"name_en\":\"ibuprofen\",\"name_ar\":\"إيبوبروفين\"}" TAIL,
     "required", "code", "drug #1"},
    {HEAD "{\"code\":\"Ibuprofen\",\"class\":\"other\",\"name_en\":\"ibuprofen\","
          "\"name_ar\":\"إيبوبروفين\"}" TAIL,
     "invalid_value", "code", "drug 'Ibuprofen'"},
    {HEAD IBU "," IBU TAIL, "duplicate_code", "code", "drug 'ibuprofen'"},
    {HEAD IBU ",7" TAIL, "invalid_type", "drugs", "drug #2"},
    {HEAD "{\"code\":\"ibuprofen\",\"class\":\"nsaid_nonselective\",\"name_en\":\"ibuprofen\","
          "\"name_ar\":\"إيبوبروفين\",\"dose\":\"400 mg\"}" TAIL,
     "unknown_field", "dose", "drug 'ibuprofen'"},
    {HEAD "{\"code\":\"ibuprofen\",\"class\":\"nsaid_nonselective\",\"name_en\":\"ibuprofen\","
          "\"name_ar\":\"إيبوبروفين\",\"brands\":\"Brufen\"}" TAIL,
     "invalid_type", "brands", "drug 'ibuprofen'"},
    {HEAD "{\"code\":\"ibuprofen\",\"class\":\"nsaid_nonselective\",\"name_en\":\"ibuprofen\","
          "\"name_ar\":\"إيبوبروفين\",\"brands\":[\"Brufen\",3]}" TAIL,
     "invalid_type", "brands[1]", "drug 'ibuprofen'"},
    {HEAD "{\"code\":\"ibuprofen\",\"class\":\"nsaid_nonselective\",\"name_en\":\"ibuprofen\","
          "\"name_ar\":\"إيبوبروفين\",\"synonyms\":[\"tab\\tbed\"]}" TAIL,
     "invalid_value", "synonyms[0]", "drug 'ibuprofen'"},
    {HEAD "{\"code\":\"ibuprofen\",\"class\":\"nsaid_nonselective\",\"name_en\":\"ibuprofen\","
          "\"name_ar\":\"إيبوبروفين\",\"brands\":[\"--\"]}" TAIL,
     "invalid_value", "brands[0]", "holds no letter"},
    {HEAD "{\"code\":\"ibuprofen\",\"class\":\"nsaid_nonselective\",\"name_en\":\"ibuprofen\","
          "\"name_ar\":\"إيبوبروفين\",\"brands\":[\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"]}" TAIL,
     "too_long", "brands[0]", "longer than 100"},
    /* names that fold to the same text */
    {HEAD IBU ",{\"code\":\"other_ibu\",\"class\":\"other\",\"name_en\":\"BRUFEN\","
              "\"name_ar\":\"س\"}" TAIL,
     "duplicate_name", "name_en", "drug 'other_ibu'"},
    {HEAD IBU ",{\"code\":\"other_ibu\",\"class\":\"other\",\"name_en\":\"x\","
              "\"name_ar\":\"ايبوبروفين\"}" TAIL,
     "duplicate_name", "name_ar", "'ibuprofen', field 'name_ar'"},
    {HEAD IBU ",{\"code\":\"other_ibu\",\"class\":\"other\",\"name_en\":\"x\","
              "\"name_ar\":\"س\",\"brands\":[\"Brüfen\"]}" TAIL,
     "duplicate_name", "brands[0]", "field 'brands[0]'"},
    {HEAD "{\"code\":\"ibuprofen\",\"class\":\"nsaid_nonselective\",\"name_en\":\"ibuprofen\","
          "\"name_ar\":\"إيبوبروفين\",\"synonyms\":[\"Ibuprofen\"]}" TAIL,
     "duplicate_name", "synonyms[0]", "drug 'ibuprofen'"},
};

static void
test_broken_files(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(broken_cases); i++) {
        const struct broken_case *c = &broken_cases[i];
        struct drugs *d = (struct drugs *)&d; /* must be overwritten */
        struct fail f = {0};
        int st = drugs_parse(c->text, strlen(c->text), "protocols/test.json", &d, &f);
        if (!c->code) {
            if (st != ST_OK || !d)
                fail_msg("case %zu: refused: %s", i, f.message);
            drugs_free(d);
            continue;
        }
        if (st == ST_OK) {
            drugs_free(d);
            fail_msg("case %zu: accepted, expected %s", i, c->code);
        }
        assert_null(d);
        if (strcmp(f.code, c->code) != 0 || strcmp(f.field, c->field) != 0)
            fail_msg("case %zu: got %s on '%s' (%s), expected %s on '%s'", i, f.code, f.field,
                     f.message, c->code, c->field);
        if (strncmp(f.message, "protocols/test.json: ", 21) != 0 || !strstr(f.message, c->where))
            fail_msg("case %zu: message '%s' lacks the file or '%s'", i, f.message, c->where);
    }
}

static void
test_load_errors(void **state)
{
    struct drugs *d = NULL;
    struct fail f = {0};

    (void)state;
    assert_int_equal(drugs_load("no/such/drugs.json", &d, &f), ST_IO);
    assert_null(d);
    assert_string_equal(f.code, "unreadable");
    assert_non_null(strstr(f.message, "no/such/drugs.json"));
    drugs_free(NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped_classes),
        cmocka_unit_test(test_shipped_coverage),
        cmocka_unit_test(test_every_name_finds_its_drug),
        cmocka_unit_test(test_search),
        cmocka_unit_test(test_search_order_and_limit),
        cmocka_unit_test(test_search_nothing),
        cmocka_unit_test(test_broken_files),
        cmocka_unit_test(test_load_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
