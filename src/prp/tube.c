/* Tube geometry (see tube.h): closed forms for the upright tube and the swing-out rotor, closed
 * forms plus adaptive quadrature over the tip for a tube tilted in a fixed-angle rotor. */
#include "prp/tube.h"

#include <math.h>
#include <stddef.h>

#define MM3_PER_ML 1000.0

/* Quadrature budget for the fixed-angle tip integrals: absolute tolerance in mm³ (or mm² for
 * areas) and recursion depth. 1e-9 mm³ is 1e-12 mL, far below any volume that matters. */
#define QUAD_TOL 1e-9
#define QUAD_DEPTH 40

static int
finite_pos(double x)
{
    return isfinite(x) && x > 0.0;
}

int
tube_default(struct tube *t, double capacity_ml, enum tube_tip tip)
{
    *t = (struct tube){0};
    if (tip != TUBE_TIP_CONICAL && tip != TUBE_TIP_ROUND && tip != TUBE_TIP_FLAT)
        return ST_INVALID;
    if (capacity_ml == 10.0) {
        /* 16 × 100 mm outside, the usual size of a 10 mL blood-collection tube; the inner
         * dimensions assume walls of about 1 mm. */
        t->diameter_mm = 14.0;
        t->length_mm = 96.0;
        t->cone_length_mm = 20.0;
    } else if (capacity_ml == 15.0) {
        /* 17 × 120 mm outside (Falcon 352196 class); inner Ø 14.9 mm and depth 117.5 mm as
         * published in liquid-handling labware definitions of that tube. */
        t->diameter_mm = 14.9;
        t->length_mm = 117.5;
        t->cone_length_mm = 22.0;
    } else {
        return ST_INVALID;
    }
    t->tip = tip;
    t->capacity_ml = capacity_ml;
    t->cone_tip_diameter_mm = 0.0;
    if (tip != TUBE_TIP_CONICAL)
        t->cone_length_mm = 0.0;
    return ST_OK;
}

double
tube_tip_length_mm(const struct tube *t)
{
    switch (t->tip) {
    case TUBE_TIP_CONICAL:
        return t->cone_length_mm;
    case TUBE_TIP_ROUND:
        return t->diameter_mm / 2.0;
    case TUBE_TIP_FLAT:
        return 0.0;
    }
    return 0.0;
}

/* Inner radius at height h, 0 ≤ h ≤ length. */
static double
radius_at(const struct tube *t, double h)
{
    double big = t->diameter_mm / 2.0;
    double hc = tube_tip_length_mm(t);
    if (h >= hc)
        return big;
    if (t->tip == TUBE_TIP_CONICAL) {
        double small = t->cone_tip_diameter_mm / 2.0;
        return small + (big - small) * h / hc;
    }
    /* round: a sphere of radius `big` centred at height `big` */
    return sqrt(fmax(0.0, h * (2.0 * big - h)));
}

/* Volume in mm³ of the tip part below height h, 0 ≤ h ≤ tip length. */
static double
tip_volume(const struct tube *t, double h)
{
    double big = t->diameter_mm / 2.0;
    if (t->tip == TUBE_TIP_CONICAL) {
        /* ρ(h) = r0 + k·h, so ∫πρ² dh = π(ρ(h)³ − r0³)/(3k) */
        double r0 = t->cone_tip_diameter_mm / 2.0;
        double k = (big - r0) / t->cone_length_mm;
        double rho = r0 + k * h;
        return M_PI * (rho * rho * rho - r0 * r0 * r0) / (3.0 * k);
    }
    if (t->tip == TUBE_TIP_ROUND)
        return M_PI * h * h * (3.0 * big - h) / 3.0; /* spherical cap */
    return 0.0;
}

/* Volume in mm³ below height h of a checked tube. */
static double
volume_below(const struct tube *t, double h)
{
    double big = t->diameter_mm / 2.0;
    double hc = tube_tip_length_mm(t);
    if (h <= hc)
        return tip_volume(t, h);
    return tip_volume(t, hc) + M_PI * big * big * (h - hc);
}

static int
valid_tube(const struct tube *t)
{
    if (t->tip != TUBE_TIP_CONICAL && t->tip != TUBE_TIP_ROUND && t->tip != TUBE_TIP_FLAT)
        return 0;
    if (!finite_pos(t->capacity_ml) || !finite_pos(t->diameter_mm) || !finite_pos(t->length_mm))
        return 0;
    if (t->tip == TUBE_TIP_CONICAL) {
        if (!finite_pos(t->cone_length_mm) || !isfinite(t->cone_tip_diameter_mm) ||
            t->cone_tip_diameter_mm < 0.0 || t->cone_tip_diameter_mm >= t->diameter_mm)
            return 0;
    }
    /* the tip must leave some cylinder: the geometry below assumes the body ends the tube */
    if (!(tube_tip_length_mm(t) < t->length_mm))
        return 0;
    return t->capacity_ml * MM3_PER_ML <= volume_below(t, t->length_mm);
}

int
tube_check(const struct tube *t)
{
    return valid_tube(t) ? ST_OK : ST_INVALID;
}

double
tube_total_ml(const struct tube *t)
{
    if (!valid_tube(t))
        return 0.0;
    return volume_below(t, t->length_mm) / MM3_PER_ML;
}

int
tube_volume_of_height(const struct tube *t, double h_mm, double *v_ml)
{
    *v_ml = 0.0;
    if (!valid_tube(t) || !isfinite(h_mm) || h_mm < 0.0 || h_mm > t->length_mm)
        return ST_INVALID;
    *v_ml = volume_below(t, h_mm) / MM3_PER_ML;
    return ST_OK;
}

/* Height below which the tip holds v mm³, 0 ≤ v ≤ tip volume. */
static double
tip_height(const struct tube *t, double v)
{
    double big = t->diameter_mm / 2.0;
    if (t->tip == TUBE_TIP_CONICAL) {
        double r0 = t->cone_tip_diameter_mm / 2.0;
        double k = (big - r0) / t->cone_length_mm;
        double rho = cbrt(r0 * r0 * r0 + 3.0 * k * v / M_PI);
        return fmin(t->cone_length_mm, fmax(0.0, (rho - r0) / k));
    }
    /* Round: with f = v / (2πR³/3) and h = R(1 − y), the cap volume gives
     * y³ − 3y + 2(1 − f) = 0, whose root in [0, 1] is y = 2cos(acos(f − 1)/3 − 2π/3). One Newton
     * step then removes the cancellation of 1 − y near the bottom. */
    double f = fmin(1.0, fmax(0.0, v / (2.0 * M_PI * big * big * big / 3.0)));
    double y = 2.0 * cos(acos(f - 1.0) / 3.0 - 2.0 * M_PI / 3.0);
    double h = fmin(big, fmax(0.0, big * (1.0 - y)));
    double area = M_PI * h * (2.0 * big - h);
    if (area > 0.0)
        h = fmin(big, fmax(0.0, h - (tip_volume(t, h) - v) / area));
    return h;
}

int
tube_height_of_volume(const struct tube *t, double v_ml, double *h_mm)
{
    *h_mm = 0.0;
    if (!valid_tube(t) || !isfinite(v_ml) || v_ml < 0.0)
        return ST_INVALID;
    double v = v_ml * MM3_PER_ML;
    if (v > volume_below(t, t->length_mm))
        return ST_INVALID;
    double big = t->diameter_mm / 2.0;
    double hc = tube_tip_length_mm(t);
    double vtip = tip_volume(t, hc);
    if (v >= vtip)
        *h_mm = fmin(t->length_mm, hc + (v - vtip) / (M_PI * big * big));
    else
        *h_mm = tip_height(t, v);
    return ST_OK;
}

int
tube_area_at_height(const struct tube *t, double h_mm, double *area_mm2)
{
    *area_mm2 = 0.0;
    if (!valid_tube(t) || !isfinite(h_mm) || h_mm < 0.0 || h_mm > t->length_mm)
        return ST_INVALID;
    double rho = radius_at(t, h_mm);
    *area_mm2 = M_PI * rho * rho;
    return ST_OK;
}

/* ---- rotors ---------------------------------------------------------------------------- */

/* sin θ and cos θ of the tube axis against the rotation axis; a swing-out tube is at 90°. */
static void
rotor_angle(const struct tube_rotor *rot, double *s, double *c)
{
    if (rot->kind == TUBE_ROTOR_SWING_OUT) {
        *s = 1.0;
        *c = 0.0;
        return;
    }
    double a = rot->angle_deg * (M_PI / 180.0);
    *s = sin(a);
    *c = cos(a);
}

/* Radial extent of a valid tube in a rotor whose kind and angle are valid. The axis radius falls
 * with h and ρ never shrinks with h, so the innermost point is on the rim of the open end; the
 * outermost is on the tip (see the cases). */
static void
extent(const struct tube *t, const struct tube_rotor *rot, double *lo, double *hi)
{
    double s, c;
    rotor_angle(rot, &s, &c);
    double big = t->diameter_mm / 2.0;
    double rb = rot->radius_mm;
    *lo = rb - t->length_mm * s - big * c;
    switch (t->tip) {
    case TUBE_TIP_CONICAL: {
        /* r_out is linear in h along the cone: the larger end value wins */
        double hc = t->cone_length_mm;
        double r0 = t->cone_tip_diameter_mm / 2.0;
        *hi = fmax(rb + r0 * c, rb - hc * s + big * c);
        break;
    }
    case TUBE_TIP_ROUND:
        /* the sphere's farthest point along the radius, which lies on the lower half */
        *hi = rb - big * s + big;
        break;
    case TUBE_TIP_FLAT:
        *hi = rb + big * c;
        break;
    }
}

static int
valid_rotor(const struct tube *t, const struct tube_rotor *rot)
{
    if (!valid_tube(t))
        return 0;
    if (rot->kind != TUBE_ROTOR_SWING_OUT && rot->kind != TUBE_ROTOR_FIXED_ANGLE)
        return 0;
    if (!finite_pos(rot->radius_mm))
        return 0;
    if (rot->kind == TUBE_ROTOR_FIXED_ANGLE &&
        !(isfinite(rot->angle_deg) && rot->angle_deg >= 0.0 && rot->angle_deg < 90.0))
        return 0;
    double lo = 0.0, hi = 0.0; /* set by extent(); initialised for -O3 flow analysis */
    extent(t, rot, &lo, &hi);
    return lo > 0.0;
}

int
tube_rotor_check(const struct tube *t, const struct tube_rotor *rot)
{
    return valid_rotor(t, rot) ? ST_OK : ST_INVALID;
}

int
tube_axis_radius(const struct tube *t, const struct tube_rotor *rot, double h_mm, double *r_mm)
{
    *r_mm = 0.0;
    if (!valid_rotor(t, rot) || !isfinite(h_mm) || h_mm < 0.0 || h_mm > t->length_mm)
        return ST_INVALID;
    double s, c;
    rotor_angle(rot, &s, &c);
    *r_mm = rot->radius_mm - h_mm * s;
    return ST_OK;
}

int
tube_radius_span(const struct tube *t, const struct tube_rotor *rot, double h_mm, double *r_in_mm,
                 double *r_out_mm)
{
    *r_in_mm = 0.0;
    *r_out_mm = 0.0;
    if (!valid_rotor(t, rot) || !isfinite(h_mm) || h_mm < 0.0 || h_mm > t->length_mm)
        return ST_INVALID;
    double s, c;
    rotor_angle(rot, &s, &c);
    double axis = rot->radius_mm - h_mm * s;
    double half = radius_at(t, h_mm) * c;
    *r_in_mm = axis - half;
    *r_out_mm = axis + half;
    return ST_OK;
}

/* ---- the spinning liquid in a tilted tube ------------------------------------------------
 * Coordinates: h along the tube axis, u across it in the plane of the radius. A point's radius is
 * rb − h·sin θ + u·cos θ, so the surface r = const meets the disc at height h on the chord
 * u = u0(h) = (r − rb + h·sin θ)/cos θ. The volume beyond r is ∫ S(ρ(h), u0(h)) dh, S being the
 * area of the disc part u ≥ u0; the surface area is ∫ 2√(ρ² − u0²) dh / cos θ. */

/* Area of the part u ≥ u0 of a disc of radius rho. */
static double
segment(double rho, double u0)
{
    if (u0 <= -rho)
        return M_PI * rho * rho;
    if (u0 >= rho)
        return 0.0;
    return rho * rho * acos(u0 / rho) - u0 * sqrt(rho * rho - u0 * u0);
}

/* Chord length of a disc of radius rho at u0. */
static double
chord(double rho, double u0)
{
    double q = rho * rho - u0 * u0;
    return q > 0.0 ? 2.0 * sqrt(q) : 0.0;
}

/* F with F'(u) = segment(R, u): closed form used to integrate over the cylindrical body, where u0
 * is linear in h. Below −R the segment is the whole disc, above R it is empty. */
static double
segment_antideriv(double big, double u)
{
    if (u <= -big)
        return M_PI * big * big * u;
    if (u >= big)
        return 0.0;
    double q = big * big - u * u;
    return big * big * u * acos(u / big) - big * big * sqrt(q) + q * sqrt(q) / 3.0;
}

/* G with G'(u) = chord(R, u). */
static double
chord_antideriv(double big, double u)
{
    if (u <= -big)
        return -M_PI * big * big / 2.0;
    if (u >= big)
        return M_PI * big * big / 2.0;
    return u * sqrt(big * big - u * u) + big * big * asin(u / big);
}

struct tilt {
    const struct tube *t;
    double rb, s, c, r;
    int want_area; /* integrate the chord (area) instead of the segment (volume) */
};

static double
tilt_integrand(const struct tilt *q, double h)
{
    double u0 = (q->r - q->rb + h * q->s) / q->c;
    double rho = radius_at(q->t, h);
    return q->want_area ? chord(rho, u0) / q->c : segment(rho, u0);
}

static double
simpson_step(const struct tilt *q, double a, double b, double fa, double fm, double fb,
             double whole, double tol, int depth)
{
    double m = 0.5 * (a + b);
    double lm = 0.5 * (a + m), rm = 0.5 * (m + b);
    double flm = tilt_integrand(q, lm), frm = tilt_integrand(q, rm);
    double left = (m - a) / 6.0 * (fa + 4.0 * flm + fm);
    double right = (b - m) / 6.0 * (fm + 4.0 * frm + fb);
    double diff = left + right - whole;
    if (depth <= 0 || fabs(diff) <= 15.0 * tol)
        return left + right + diff / 15.0;
    return simpson_step(q, a, m, fa, flm, fm, left, tol / 2.0, depth - 1) +
           simpson_step(q, m, b, fm, frm, fb, right, tol / 2.0, depth - 1);
}

/* Adaptive Simpson over [a, b]; the interval is cut in 8 first so that a kink of the integrand
 * (where the surface leaves the wall) cannot hide between the first samples. */
static double
simpson(const struct tilt *q, double a, double b)
{
    const int pieces = 8;
    double sum = 0.0;
    for (int i = 0; i < pieces; i++) {
        double x0 = a + (b - a) * i / pieces, x1 = a + (b - a) * (i + 1) / pieces;
        double f0 = tilt_integrand(q, x0), f1 = tilt_integrand(q, x1);
        double fm = tilt_integrand(q, 0.5 * (x0 + x1));
        double whole = (x1 - x0) / 6.0 * (f0 + 4.0 * fm + f1);
        sum += simpson_step(q, x0, x1, f0, fm, f1, whole, QUAD_TOL / pieces, QUAD_DEPTH);
    }
    return sum;
}

/* Volume (mm³) or area (mm²) at radius r in a fixed-angle rotor. */
static double
tilted(const struct tube *t, const struct tube_rotor *rot, double r, int want_area)
{
    struct tilt q = {.t = t, .rb = rot->radius_mm, .r = r, .want_area = want_area};
    rotor_angle(rot, &q.s, &q.c);
    double big = t->diameter_mm / 2.0;
    double hc = tube_tip_length_mm(t);
    double len = t->length_mm;
    double body;
    if (q.s > 0.0) {
        /* over the body u0 = α + h·tan θ: integrate in u, dh = du / tan θ */
        double tn = q.s / q.c;
        double ua = (r - q.rb + hc * q.s) / q.c, ub = (r - q.rb + len * q.s) / q.c;
        if (want_area)
            body = (chord_antideriv(big, ub) - chord_antideriv(big, ua)) / (tn * q.c);
        else
            body = (segment_antideriv(big, ub) - segment_antideriv(big, ua)) / tn;
    } else {
        /* θ = 0: the tube is parallel to the rotation axis and u0 is the same at every h */
        double u0 = (r - q.rb) / q.c;
        body = (len - hc) * (want_area ? chord(big, u0) / q.c : segment(big, u0));
    }
    double tip = hc > 0.0 ? simpson(&q, 0.0, hc) : 0.0;
    return fmax(0.0, body + tip);
}

int
tube_spin_extent(const struct tube *t, const struct tube_rotor *rot, double *r_min_mm,
                 double *r_max_mm)
{
    *r_min_mm = 0.0;
    *r_max_mm = 0.0;
    if (!valid_rotor(t, rot))
        return ST_INVALID;
    extent(t, rot, r_min_mm, r_max_mm);
    return ST_OK;
}

/* Volume beyond r in mm³ for a valid tube and rotor. */
static double
beyond(const struct tube *t, const struct tube_rotor *rot, double r)
{
    double lo = 0.0, hi = 0.0; /* set by extent(); initialised for -O3 flow analysis */
    extent(t, rot, &lo, &hi);
    if (r >= hi)
        return 0.0;
    if (r <= lo)
        return volume_below(t, t->length_mm);
    if (rot->kind == TUBE_ROTOR_SWING_OUT)
        return volume_below(t, rot->radius_mm - r);
    return fmin(volume_below(t, t->length_mm), tilted(t, rot, r, 0));
}

int
tube_spin_volume_beyond(const struct tube *t, const struct tube_rotor *rot, double r_mm,
                        double *v_ml)
{
    *v_ml = 0.0;
    if (!valid_rotor(t, rot) || !isfinite(r_mm))
        return ST_INVALID;
    *v_ml = beyond(t, rot, r_mm) / MM3_PER_ML;
    return ST_OK;
}

int
tube_spin_meniscus(const struct tube *t, const struct tube_rotor *rot, double v_ml, double *r_mm)
{
    *r_mm = 0.0;
    if (!valid_rotor(t, rot) || !finite_pos(v_ml))
        return ST_INVALID;
    double v = v_ml * MM3_PER_ML;
    double total = volume_below(t, t->length_mm);
    if (v > total)
        return ST_INVALID;
    if (rot->kind == TUBE_ROTOR_SWING_OUT) {
        double h;
        int st = tube_height_of_volume(t, v_ml, &h);
        if (st != ST_OK)
            return st;
        *r_mm = rot->radius_mm - h;
        return ST_OK;
    }
    /* bisection: beyond() is continuous and non-increasing; 200 halvings reach the spacing of
     * doubles long before they run out */
    double lo = 0.0, hi = 0.0; /* set by extent(); initialised for -O3 flow analysis */
    extent(t, rot, &lo, &hi);
    for (int i = 0; i < 200 && hi - lo > 1e-13 * hi; i++) {
        double mid = 0.5 * (lo + hi);
        if (beyond(t, rot, mid) >= v)
            lo = mid;
        else
            hi = mid;
    }
    *r_mm = 0.5 * (lo + hi);
    return ST_OK;
}

int
tube_spin_area(const struct tube *t, const struct tube_rotor *rot, double r_mm, double *area_mm2)
{
    *area_mm2 = 0.0;
    if (!valid_rotor(t, rot) || !isfinite(r_mm))
        return ST_INVALID;
    double lo = 0.0, hi = 0.0; /* set by extent(); initialised for -O3 flow analysis */
    extent(t, rot, &lo, &hi);
    if (r_mm <= lo || r_mm >= hi)
        return ST_OK;
    if (rot->kind == TUBE_ROTOR_SWING_OUT) {
        double rho = radius_at(t, rot->radius_mm - r_mm);
        *area_mm2 = M_PI * rho * rho;
        return ST_OK;
    }
    *area_mm2 = tilted(t, rot, r_mm, 1);
    return ST_OK;
}

int
tube_fa_path_mm(const struct tube *t, const struct tube_rotor *rot, double *path_mm)
{
    *path_mm = 0.0;
    if (!valid_rotor(t, rot) || rot->kind != TUBE_ROTOR_FIXED_ANGLE)
        return ST_INVALID;
    double s, c;
    rotor_angle(rot, &s, &c);
    *path_mm = t->diameter_mm / c;
    return ST_OK;
}

int
tube_fa_wall_fraction(const struct tube *t, const struct tube_rotor *rot, double distance_mm,
                      double *fraction)
{
    *fraction = 0.0;
    double path;
    int st = tube_fa_path_mm(t, rot, &path);
    if (st != ST_OK)
        return st;
    if (!isfinite(distance_mm) || distance_mm < 0.0)
        return ST_INVALID;
    double xi = distance_mm / path;
    if (xi >= 1.0) {
        *fraction = 1.0;
        return ST_OK;
    }
    *fraction = (2.0 / M_PI) * (asin(xi) + xi * sqrt(1.0 - xi * xi));
    return ST_OK;
}
