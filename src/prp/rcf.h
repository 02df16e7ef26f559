/* Relative centrifugal force and rotor speed: converts between rpm, angular velocity and
 * multiples of g at a stated radius, so a protocol in one unit can run in any centrifuge. */
#ifndef AUTOLOGA_PRP_RCF_H
#define AUTOLOGA_PRP_RCF_H

#include "core/status.h"

/* RCF (× g) = RCF_K_CM × r(cm) × rpm² (facts.md §3; prp-model.md §5 [54]). With r in mm the
 * constant is ten times smaller (1.118e-6). */
#define RCF_K_CM 1.118e-5

/* Standard gravity in cm/s², the g of "× g"; (2π/60)² / RCF_G0_CM_S2 = 1.1182e-5 is the
 * unrounded RCF_K_CM (prp-model.md §5 [54]). */
#define RCF_G0_CM_S2 980.665

/* Every function below checks its inputs: a radius, speed or force that is zero, negative, NaN
 * or infinite, or a result that would overflow, gives ST_INVALID. Outputs are set to 0 on entry,
 * so a failure never leaves a stale value. */

/* RCF in multiples of g at `radius_cm` from the rotor axis, spinning at `rpm`, by the clinical
 * formula RCF_K_CM × r × rpm². */
int rcf_from_rpm(double radius_cm, double rpm, double *rcf_g) WARN_UNUSED;

/* The rpm that gives `rcf_g` at `radius_cm`: the exact inverse of rcf_from_rpm. */
int rcf_to_rpm(double radius_cm, double rcf_g, double *rpm) WARN_UNUSED;

/* Angular velocity in rad/s of `rpm` (ω = 2π·rpm/60). */
int rcf_omega_from_rpm(double rpm, double *omega) WARN_UNUSED;

/* The angular velocity whose centripetal acceleration ω²r at `radius_cm` equals `rcf_g` × g.
 * This uses the definition of RCF (ω²r / g) with RCF_G0_CM_S2, not the rounded RCF_K_CM: the two
 * differ by 0.016 %, and the sedimentation model works in ω, so it must use the exact form. */
int rcf_omega_from_g(double radius_cm, double rcf_g, double *omega) WARN_UNUSED;

/* ω²r / g at `radius_cm` for `omega` in rad/s: the exact inverse of rcf_omega_from_g. */
int rcf_g_from_omega(double radius_cm, double omega, double *rcf_g) WARN_UNUSED;

#endif
