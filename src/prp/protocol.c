/* One spin and its integrated ω² time (see protocol.h): closed forms for each linear piece and
 * their inverses, so snapshots of the solver can be placed at exact times. */
#include "prp/protocol.h"

#include <math.h>

static int
valid(const struct protocol_spin *p)
{
    if (!(isfinite(p->omega) && p->omega > 0.0))
        return 0;
    if (!(isfinite(p->accel_s) && p->accel_s >= 0.0 && isfinite(p->hold_s) && p->hold_s >= 0.0 &&
          isfinite(p->decel_s) && p->decel_s >= 0.0))
        return 0;
    double total = p->accel_s + p->hold_s + p->decel_s;
    if (!(isfinite(total) && total > 0.0))
        return 0;
    /* ω²·t must stay finite for every τ to exist */
    return isfinite(p->omega * p->omega * total);
}

int
protocol_check(const struct protocol_spin *p)
{
    return valid(p) ? ST_OK : ST_INVALID;
}

double
protocol_duration_s(const struct protocol_spin *p)
{
    return valid(p) ? p->accel_s + p->hold_s + p->decel_s : 0.0;
}

int
protocol_omega_at(const struct protocol_spin *p, double t_s, double *omega)
{
    *omega = 0.0;
    if (!valid(p) || !isfinite(t_s) || t_s < 0.0)
        return ST_INVALID;
    double w = p->omega;
    double t = t_s;
    if (t < p->accel_s) {
        *omega = w * t / p->accel_s;
        return ST_OK;
    }
    t -= p->accel_s;
    if (t <= p->hold_s) {
        *omega = w;
        return ST_OK;
    }
    t -= p->hold_s;
    if (t < p->decel_s)
        *omega = w * (1.0 - t / p->decel_s);
    return ST_OK;
}

int
protocol_tau(const struct protocol_spin *p, double *tau)
{
    *tau = 0.0;
    if (!valid(p))
        return ST_INVALID;
    /* summed piece by piece in the order protocol_tau_until uses, so that the end of the running
     * integral equals this value to the last bit */
    double w2 = p->omega * p->omega;
    *tau = w2 * p->accel_s / 3.0 + w2 * p->hold_s + w2 * p->decel_s / 3.0;
    return ST_OK;
}

/* Each piece below integrates ω² in closed form: on the ramp up ω = Ωt/t_a gives
 * Ω²t³/(3t_a²); on the ramp down ω = Ω(1 − x), x = t/t_d, gives Ω²t_d(1 − (1 − x)³)/3. */
int
protocol_tau_until(const struct protocol_spin *p, double t_s, double *tau)
{
    *tau = 0.0;
    if (!valid(p) || !isfinite(t_s) || t_s < 0.0)
        return ST_INVALID;
    double w2 = p->omega * p->omega;
    double t = t_s;
    if (t < p->accel_s) {
        *tau = w2 * t * t * t / (3.0 * p->accel_s * p->accel_s);
        return ST_OK;
    }
    double acc = w2 * p->accel_s / 3.0;
    t -= p->accel_s;
    if (t <= p->hold_s) {
        *tau = acc + w2 * t;
        return ST_OK;
    }
    acc += w2 * p->hold_s;
    t -= p->hold_s;
    if (t < p->decel_s) {
        double y = 1.0 - t / p->decel_s;
        *tau = acc + w2 * p->decel_s * (1.0 - y * y * y) / 3.0;
        return ST_OK;
    }
    *tau = acc + w2 * p->decel_s / 3.0;
    return ST_OK;
}

int
protocol_time_for_tau(const struct protocol_spin *p, double tau, double *t_s)
{
    *t_s = 0.0;
    double full;
    if (protocol_tau(p, &full) != ST_OK || !isfinite(tau) || tau < 0.0 || tau > full)
        return ST_INVALID;
    /* from here on every branch clamps to its piece, so rounding cannot step past the end */
    double w2 = p->omega * p->omega;
    double up = w2 * p->accel_s / 3.0;
    if (tau <= up && p->accel_s > 0.0) {
        *t_s = fmin(p->accel_s, cbrt(3.0 * p->accel_s * p->accel_s * tau / w2));
        return ST_OK;
    }
    double rest = tau - up;
    double hold = w2 * p->hold_s;
    if (rest <= hold || p->decel_s == 0.0) {
        *t_s = p->accel_s + fmin(p->hold_s, rest / w2);
        return ST_OK;
    }
    rest -= hold;
    /* 1 − (1 − x)³ = 3·rest/(Ω²t_d); rounding may push the right side a hair past 1 */
    double q = fmin(1.0, 3.0 * rest / (w2 * p->decel_s));
    double x = 1.0 - cbrt(1.0 - q);
    *t_s = p->accel_s + p->hold_s + x * p->decel_s;
    return ST_OK;
}
