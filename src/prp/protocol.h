/* One spin of a preparation protocol: a linear ramp up, a hold at full speed and a linear ramp
 * down, reduced to the integrated ω² time τ = ∫ω²dt that drives kinematic sedimentation. */
#ifndef AUTOLOGA_PRP_PROTOCOL_H
#define AUTOLOGA_PRP_PROTOCOL_H

#include "core/status.h"

/* Sedimentation velocities are s·ω²r, so a purely kinematic separation depends on the speed
 * history only through τ = ∫ω(t)²dt (prp-model.md §2.1 and §6.6). A ramp linear in ω over t_a
 * adds ω²·t_a/3, a third of the same time at full speed (prp-model.md §3.3). Units: ω in rad/s,
 * times in s, τ in rad²/s. */

/* The caller owns it; plain data. */
struct protocol_spin {
    double omega;   /* speed of the hold, rad/s (rcf_omega_from_g converts × g at a radius) */
    double accel_s; /* ramp 0 → omega, linear in ω; 0 for an instant start */
    double hold_s;  /* time at full speed */
    /* ramp omega → 0, linear in ω: a short ramp is a hard brake, a long one a coast with the
     * brake off; 0 for an instant stop */
    double decel_s;
};

/* ST_OK when omega is positive and finite, every time is finite and ≥ 0 and the spin lasts some
 * time; ST_INVALID otherwise. Every function below checks the spin the same way, and sets its
 * output to 0 on entry. */
int protocol_check(const struct protocol_spin *p) WARN_UNUSED;

/* accel + hold + decel, in s; 0 for an invalid spin. */
double protocol_duration_s(const struct protocol_spin *p);

/* Speed at time `t_s` after the start: ω on the ramps and the hold, 0 once the spin is over.
 * ST_INVALID for a negative or non-finite time. */
int protocol_omega_at(const struct protocol_spin *p, double t_s, double *omega) WARN_UNUSED;

/* τ of the whole spin, exact: ω²·(accel/3 + hold + decel/3). */
int protocol_tau(const struct protocol_spin *p, double *tau) WARN_UNUSED;

/* τ accumulated from the start to `t_s` (the whole τ once the spin is over), exact for the
 * linear ramps. ST_INVALID for a negative or non-finite time. */
int protocol_tau_until(const struct protocol_spin *p, double t_s, double *tau) WARN_UNUSED;

/* The time at which the spin has accumulated `tau`, 0 ≤ tau ≤ protocol_tau: the inverse of
 * protocol_tau_until (the first such time). ST_INVALID for tau outside that range. */
int protocol_time_for_tau(const struct protocol_spin *p, double tau, double *t_s) WARN_UNUSED;

#endif
