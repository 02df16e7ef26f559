/* Tube geometry for the preparation designer: fill volume ↔ liquid height at rest, and where each
 * part of the tube sits, measured from the rotor axis, during a swing-out or fixed-angle spin. */
#ifndef AUTOLOGA_PRP_TUBE_H
#define AUTOLOGA_PRP_TUBE_H

#include "core/status.h"

/* Lengths are in mm, volumes in mL (1 mL = 1000 mm³), areas in mm², angles in degrees.
 * "Height" h is measured along the tube axis from the lowest point of the bottom (the apex of a
 * conical tip) towards the open end, 0 ≤ h ≤ length_mm. Every function checks the tube (and rotor)
 * it is given and returns ST_INVALID for a bad one or for an argument out of range; outputs are
 * set to 0 on entry. */

enum tube_tip {
    TUBE_TIP_CONICAL, /* a cone, optionally truncated (cone_tip_diameter_mm > 0) */
    TUBE_TIP_ROUND,   /* a hemisphere of the body's diameter */
    TUBE_TIP_FLAT,
};

/* A tube as a solid of revolution: a tip below a cylinder. The caller owns it; plain data. */
struct tube {
    enum tube_tip tip;
    double capacity_ml;          /* largest fill accepted: the top graduation */
    double diameter_mm;          /* inner diameter of the cylindrical body */
    double length_mm;            /* inner length from the lowest point to the open end */
    double cone_length_mm;       /* conical tip: axial length of the cone; ignored otherwise */
    double cone_tip_diameter_mm; /* conical tip: diameter of the truncated end, 0 for a point */
};

/* Fills `t` with nominal inner dimensions of a common tube of `capacity_ml` (10 or 15) and the
 * given tip. The bodies are the usual 16 × 100 mm blood-collection tube (10 mL) and the
 * 17 × 120 mm conical centrifuge tube (15 mL, inner Ø 14.9 mm and depth 117.5 mm); the cone
 * lengths are typical readings, not catalogue values. Real tubes differ by a few per cent: measure
 * the clinic's tube and overwrite the fields. ST_INVALID for another capacity or tip. */
int tube_default(struct tube *t, double capacity_ml, enum tube_tip tip) WARN_UNUSED;

/* ST_OK when every dimension is positive and finite, the tip fits inside the body and the tube
 * holds its capacity; ST_INVALID otherwise. */
int tube_check(const struct tube *t) WARN_UNUSED;

/* Inner volume of the whole tube, in mL (0 for an invalid tube). */
double tube_total_ml(const struct tube *t);

/* Axial length of the tip (the cone, the hemisphere's radius, or 0), in mm. */
double tube_tip_length_mm(const struct tube *t);

/* Volume below height `h_mm` with the tube upright, 0 ≤ h ≤ length. */
int tube_volume_of_height(const struct tube *t, double h_mm, double *v_ml) WARN_UNUSED;

/* Height of the meniscus of `v_ml` with the tube upright, 0 ≤ v ≤ total: the exact inverse of
 * tube_volume_of_height (closed forms; round trips agree to rounding error). */
int tube_height_of_volume(const struct tube *t, double v_ml, double *h_mm) WARN_UNUSED;

/* Inner cross-section area perpendicular to the axis at height `h_mm`. */
int tube_area_at_height(const struct tube *t, double h_mm, double *area_mm2) WARN_UNUSED;

enum tube_rotor_kind {
    TUBE_ROTOR_SWING_OUT,   /* the tube swings out: its axis lies along the radius while spinning */
    TUBE_ROTOR_FIXED_ANGLE, /* the tube is held at angle_deg to the rotation axis */
};

/* Where the tube sits while spinning. The caller owns it; plain data. */
struct tube_rotor {
    enum tube_rotor_kind kind;
    /* Distance from the rotation axis to the lowest point of the tube's own axis (the bottom of
     * the tube, r_max of a swing-out rotor), in mm. */
    double radius_mm;
    /* Fixed-angle only: angle between the tube axis and the rotation axis, 0 ≤ θ < 90, the angle
     * rotor makers quote. With this convention the path across the tube is D / cos θ, as in the
     * rotor table of Livshts et al. (prp-model.md §5 [56]). */
    double angle_deg;
};

/* ST_OK when the rotor is valid for the tube: finite values, an angle in range, and the whole tube
 * on one side of the rotation axis. */
int tube_rotor_check(const struct tube *t, const struct tube_rotor *rot) WARN_UNUSED;

/* Radius from the rotation axis of the point on the tube axis at height `h_mm`:
 * radius − h·sin θ, with θ = 90° for a swing-out rotor (prp-model.md §5). */
int tube_axis_radius(const struct tube *t, const struct tube_rotor *rot, double h_mm,
                     double *r_mm) WARN_UNUSED;

/* Smallest and largest radius of the tube's cross-section at height `h_mm`: the axis radius
 * ∓ ρ(h)·cos θ, where ρ is the inner radius there. Both equal the axis radius in a swing-out rotor,
 * whose cross-sections lie on one radius. */
int tube_radius_span(const struct tube *t, const struct tube_rotor *rot, double h_mm,
                     double *r_in_mm, double *r_out_mm) WARN_UNUSED;

/* The spinning liquid. The free surface and the layers of a spinning tube lie on cylinders about
 * the rotation axis; across a tube (≤ 17 mm wide at r ≈ 100 mm) they are treated as planes normal
 * to the radius (the sag is under 0.4 mm), which is exact for a swing-out rotor's 1-D model.
 * Fixed-angle results come from quadrature (closed form over the cylindrical body, adaptive
 * Simpson over the tip) and agree with exact values to better than 1e-9 relative. The tube is
 * taken as capped: liquid never leaves through the open end. */

/* Innermost and outermost radius of the tube's interior while spinning. */
int tube_spin_extent(const struct tube *t, const struct tube_rotor *rot, double *r_min_mm,
                     double *r_max_mm) WARN_UNUSED;

/* Volume of the tube's interior that lies at radius ≥ `r_mm`: the volume of a liquid whose free
 * surface spins at `r_mm`. Non-increasing in r; any r is accepted (0 beyond the extent, the total
 * within). */
int tube_spin_volume_beyond(const struct tube *t, const struct tube_rotor *rot, double r_mm,
                            double *v_ml) WARN_UNUSED;

/* Radius of the free surface of `v_ml` spinning (0 < v ≤ total): the inverse of
 * tube_spin_volume_beyond. */
int tube_spin_meniscus(const struct tube *t, const struct tube_rotor *rot, double v_ml,
                       double *r_mm) WARN_UNUSED;

/* Area of the surface at radius `r_mm` inside the tube, A(r) = −dV/dr of
 * tube_spin_volume_beyond: the cross-section the 1-D radial model uses (prp-model.md §6.1). */
int tube_spin_area(const struct tube *t, const struct tube_rotor *rot, double r_mm,
                   double *area_mm2) WARN_UNUSED;

/* Fixed-angle rotor: the sedimentation path across the body, D / cos θ (prp-model.md §5 [56]). */
int tube_fa_path_mm(const struct tube *t, const struct tube_rotor *rot,
                    double *path_mm) WARN_UNUSED;

/* Fixed-angle rotor: the fraction of a dilute, evenly spread species that has reached the outer
 * wall of the body after moving `distance_mm` along the radius:
 * P = (2/π)(asin ξ + ξ·√(1 − ξ²)), ξ = distance / path, capped at 1 (prp-model.md §5 and §6.9
 * test 6 [56]). Far from the ends, where the cross-section is the whole disc. */
int tube_fa_wall_fraction(const struct tube *t, const struct tube_rotor *rot, double distance_mm,
                          double *fraction) WARN_UNUSED;

#endif
