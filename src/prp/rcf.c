/* Relative centrifugal force and rotor speed (see rcf.h). Pure arithmetic with input checks: the
 * inputs come from people typing centrifuge settings, so nothing is trusted. */
#include "prp/rcf.h"

#include <math.h>

/* Positive and finite: the only meaningful radius, speed or force. */
static int
positive(double x)
{
    return isfinite(x) && x > 0.0;
}

/* Stores `v` when it is a usable result; overflow to infinity or underflow to 0 is an input
 * out of range, not a value to hand on. */
static int
deliver(double v, double *out)
{
    if (!positive(v))
        return ST_INVALID;
    *out = v;
    return ST_OK;
}

int
rcf_from_rpm(double radius_cm, double rpm, double *rcf_g)
{
    *rcf_g = 0.0;
    if (!positive(radius_cm) || !positive(rpm))
        return ST_INVALID;
    return deliver(RCF_K_CM * radius_cm * rpm * rpm, rcf_g);
}

int
rcf_to_rpm(double radius_cm, double rcf_g, double *rpm)
{
    *rpm = 0.0;
    if (!positive(radius_cm) || !positive(rcf_g))
        return ST_INVALID;
    return deliver(sqrt(rcf_g / (RCF_K_CM * radius_cm)), rpm);
}

int
rcf_omega_from_rpm(double rpm, double *omega)
{
    *omega = 0.0;
    if (!positive(rpm))
        return ST_INVALID;
    return deliver(rpm * (2.0 * M_PI / 60.0), omega);
}

int
rcf_omega_from_g(double radius_cm, double rcf_g, double *omega)
{
    *omega = 0.0;
    if (!positive(radius_cm) || !positive(rcf_g))
        return ST_INVALID;
    return deliver(sqrt(rcf_g * RCF_G0_CM_S2 / radius_cm), omega);
}

int
rcf_g_from_omega(double radius_cm, double omega, double *rcf_g)
{
    *rcf_g = 0.0;
    if (!positive(radius_cm) || !positive(omega))
        return ST_INVALID;
    return deliver(omega * omega * radius_cm / RCF_G0_CM_S2, rcf_g);
}
