/* The documents of a procedure at the chair: validation and computation (being filled in). */
#include "clinic/procdoc.h"

#include <math.h>

int
procdoc_preparation_normalise(json_t *in, const struct procdoc_context *c, json_t **doc,
                              struct fail *f)
{
    (void)in, (void)c;
    *doc = NULL;
    return fail_set(f, ST_INVALID, "doc", "invalid_value", "the preparation cannot be read yet");
}

int
procdoc_preparation_compute(const json_t *doc, const struct procdoc_context *c, json_t **computed,
                            struct fail *f)
{
    (void)doc, (void)c;
    *computed = NULL;
    return fail_set(f, ST_INVALID, "doc", "invalid_value", "the preparation cannot be read yet");
}

int
procdoc_fat_normalise(json_t *in, const struct procdoc_context *c, json_t **doc, struct fail *f)
{
    (void)in, (void)c;
    *doc = NULL;
    return fail_set(f, ST_INVALID, "doc", "invalid_value", "the record cannot be read yet");
}

int
procdoc_injection_normalise(json_t *in, const struct procdoc_context *c, const char *treatment,
                            json_t **doc, struct fail *f)
{
    (void)in, (void)c, (void)treatment;
    *doc = NULL;
    return fail_set(f, ST_INVALID, "doc", "invalid_value", "the injection cannot be read yet");
}

int
procdoc_injection_compute(const json_t *doc, const struct procdoc_context *c, json_t **computed,
                          struct fail *f)
{
    (void)doc, (void)c;
    *computed = NULL;
    return fail_set(f, ST_INVALID, "doc", "invalid_value", "the injection cannot be read yet");
}

size_t
procdoc_injection_nspecimens(const json_t *doc)
{
    return json_array_size(json_object_get(doc, "specimens"));
}

const char *
procdoc_injection_specimen(const json_t *doc, size_t i)
{
    return json_string_value(json_array_get(json_object_get(doc, "specimens"), i));
}

double
procdoc_injection_total_ml(const json_t *doc)
{
    (void)doc;
    return NAN;
}
