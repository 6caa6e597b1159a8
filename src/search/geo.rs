//! Distances on a sphere: the exact haversine that defines "inside a radius", a bounding box
//! used as a pre-filter, and the chord between unit vectors used to compare distances quickly.

/// Mean Earth radius (IUGG), in kilometres.
pub const EARTH_RADIUS_KM: f64 = 6371.0088;

/// Great-circle distance in kilometres between two (lat, lon) points in degrees.
pub fn haversine_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (lat1, lon1) = (a.0.to_radians(), a.1.to_radians());
    let (lat2, lon2) = (b.0.to_radians(), b.1.to_radians());
    let dlat = lat2 - lat1;
    let dlon = lon2 - lon1;
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin()
}

/// The point on the unit sphere for (lat, lon) in degrees.
pub fn unit_vector(lat: f64, lon: f64) -> [f64; 3] {
    let (lat, lon) = (lat.to_radians(), lon.to_radians());
    [lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()]
}

/// Squared chord length between two unit vectors: a strictly increasing function of the
/// great-circle distance, computed without trigonometry.
#[inline]
pub fn chord2(a: &[f64; 3], b: &[f64; 3]) -> f64 {
    let dx = a[0] - b[0];
    let dy = a[1] - b[1];
    let dz = a[2] - b[2];
    dx * dx + dy * dy + dz * dz
}

/// Squared chord length that corresponds to a great-circle distance in km.
pub fn chord2_for_km(km: f64) -> f64 {
    let half_angle = (km / EARTH_RADIUS_KM / 2.0).min(std::f64::consts::FRAC_PI_2);
    let c = 2.0 * half_angle.sin();
    c * c
}

/// A latitude/longitude box that contains every point within `radius_km` of `center`.
/// `lon` is `None` when the box would cross the antimeridian or reach a pole (no longitude
/// limit then; the exact distance still decides).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoundingBox {
    pub lat: (f64, f64),
    pub lon: Option<(f64, f64)>,
}

pub fn bounding_box(center: (f64, f64), radius_km: f64) -> BoundingBox {
    // A small margin keeps points at exactly the radius inside despite rounding.
    const MARGIN_DEG: f64 = 1e-6;
    let angle = radius_km / EARTH_RADIUS_KM;
    let dlat = angle.to_degrees() + MARGIN_DEG;
    let (lat, lon) = center;
    let lat_range = ((lat - dlat).max(-90.0), (lat + dlat).min(90.0));
    if angle >= std::f64::consts::FRAC_PI_2 || lat_range.0 <= -90.0 || lat_range.1 >= 90.0 {
        return BoundingBox {
            lat: lat_range,
            lon: None,
        };
    }
    // Widest longitude reached by the circle: asin(sin(angle) / cos(lat)).
    let ratio = angle.sin() / lat.to_radians().cos();
    if ratio >= 1.0 {
        return BoundingBox {
            lat: lat_range,
            lon: None,
        };
    }
    let dlon = ratio.asin().to_degrees() + MARGIN_DEG;
    let lon_range = (lon - dlon, lon + dlon);
    if lon_range.0 < -180.0 || lon_range.1 > 180.0 {
        return BoundingBox {
            lat: lat_range,
            lon: None,
        };
    }
    BoundingBox {
        lat: lat_range,
        lon: Some(lon_range),
    }
}

impl BoundingBox {
    pub fn contains(&self, p: (f64, f64)) -> bool {
        p.0 >= self.lat.0
            && p.0 <= self.lat.1
            && self.lon.is_none_or(|(lo, hi)| p.1 >= lo && p.1 <= hi)
    }
}

/// Decides "within radius" exactly as [`haversine_km`] would, but with the chord first: only
/// points whose chord is within a tiny band of the limit pay for the trigonometry.
#[derive(Debug, Clone, Copy)]
pub struct RadiusTest {
    pub center: (f64, f64),
    pub center_vec: [f64; 3],
    pub radius_km: f64,
    chord2_max: f64,
    band: f64,
}

impl RadiusTest {
    pub fn new(center: (f64, f64), radius_km: f64) -> Self {
        let chord2_max = chord2_for_km(radius_km);
        Self {
            center,
            center_vec: unit_vector(center.0, center.1),
            radius_km,
            chord2_max,
            band: chord2_max * 1e-9 + 1e-15,
        }
    }

    /// `c2` is the squared chord between the centre and `point`.
    #[inline]
    pub fn inside(&self, c2: f64, point: impl FnOnce() -> (f64, f64)) -> bool {
        if c2 < self.chord2_max - self.band {
            true
        } else if c2 > self.chord2_max + self.band {
            false
        } else {
            haversine_km(self.center, point()) <= self.radius_km
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng, rngs::StdRng};

    #[test]
    fn known_distances() {
        let paris = (48.85341, 2.3488);
        let marseille = (43.29695, 5.38107);
        let d = haversine_km(paris, marseille);
        assert!((d - 660.5).abs() < 1.0, "{d}");
        assert_eq!(haversine_km(paris, paris), 0.0);
    }

    #[test]
    fn chord_agrees_with_haversine() {
        let mut rng = StdRng::seed_from_u64(7);
        for _ in 0..10_000 {
            let a = (
                rng.random_range(-60.0..60.0),
                rng.random_range(-179.0..179.0),
            );
            let b = (
                a.0 + rng.random_range(-2.0..2.0),
                a.1 + rng.random_range(-2.0..2.0),
            );
            let radius = rng.random_range(0.5..300.0);
            let test = RadiusTest::new(a, radius);
            let c2 = chord2(&test.center_vec, &unit_vector(b.0, b.1));
            assert_eq!(test.inside(c2, || b), haversine_km(a, b) <= radius);
        }
    }

    #[test]
    fn box_contains_the_circle() {
        let mut rng = StdRng::seed_from_u64(11);
        for _ in 0..5_000 {
            let c = (rng.random_range(-21.0..51.0), rng.random_range(-61.0..56.0));
            let radius = rng.random_range(1.0..200.0);
            let bbox = bounding_box(c, radius);
            // Points on the circle itself, in every direction.
            for k in 0..64 {
                let bearing = (k as f64) * std::f64::consts::TAU / 64.0;
                let p = destination(c, bearing, radius * 0.999_999);
                assert!(haversine_km(c, p) <= radius);
                assert!(bbox.contains(p), "{c:?} {radius} {p:?} {bbox:?}");
            }
        }
    }

    fn destination(from: (f64, f64), bearing: f64, km: f64) -> (f64, f64) {
        let d = km / EARTH_RADIUS_KM;
        let (lat1, lon1) = (from.0.to_radians(), from.1.to_radians());
        let lat2 = (lat1.sin() * d.cos() + lat1.cos() * d.sin() * bearing.cos()).asin();
        let lon2 =
            lon1 + (bearing.sin() * d.sin() * lat1.cos()).atan2(d.cos() - lat1.sin() * lat2.sin());
        (lat2.to_degrees(), lon2.to_degrees())
    }
}
