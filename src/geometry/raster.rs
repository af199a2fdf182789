//! The prediction image, from the exact partition: each linear region is filled with its
//! own affine logits, so no pixel needs a pass through the whole network.

use super::Geometry;
use crate::nn::Network;

/// Probability of white at each pixel centre of a `width × height` image of the
/// geometry's rectangle, row-major, row 0 at the top (`y0`).
pub fn prediction(geom: &Geometry, net: &Network, width: u32, height: u32) -> Vec<f32> {
    let mut out = vec![f32::NAN; (width * height) as usize];
    let last = geom.layers.len() - 1;
    if geom.truncated.is_some() {
        // No logit maps: every pixel from the network (below).
        return network_pixels(geom, net, width, height, out);
    }
    let diffs: Vec<[f64; 3]> = geom
        .logits
        .iter()
        .map(|m| [m[1][0] - m[0][0], m[1][1] - m[0][1], m[1][2] - m[0][2]])
        .collect();
    fill_regions(geom, last, width, height, |i, region, x, y| {
        // Logit difference z1 − z0 is affine on the region; the sigmoid in f32 is exact
        // enough for a picture and twice as fast.
        let d = diffs[region];
        let t = (d[0] * x + d[1] * y + d[2]) as f32;
        out[i] = 1.0 / (1.0 + (-t).exp());
    });
    network_pixels(geom, net, width, height, out)
}

/// Fills the pixels still NaN (centres that fell exactly into a crack between spans, or
/// all of them) from the network itself.
fn network_pixels(
    geom: &Geometry,
    net: &Network,
    width: u32,
    height: u32,
    mut out: Vec<f32>,
) -> Vec<f32> {
    let r = geom.rect;
    let (w, h) = (width as usize, height as usize);
    for (i, px) in out.iter_mut().enumerate().filter(|(_, p)| p.is_nan()) {
        let [x, y] = r.pixel_centre(i, w, h);
        *px = net.probability_white(x, y) as f32;
    }
    out
}

/// Index of the region of layer `layer`'s partition at each pixel centre (`u32::MAX`
/// where a centre fell into a crack between spans).
pub fn region_index(geom: &Geometry, layer: usize, width: u32, height: u32) -> Vec<u32> {
    let mut out = vec![u32::MAX; (width * height) as usize];
    fill_regions(geom, layer, width, height, |i, region, _, _| {
        out[i] = region as u32
    });
    out
}

/// Scan-converts the regions of one layer's partition: calls `paint(pixel, region, x, y)`
/// once for each pixel whose centre (x, y) lies in a region (half-open spans, so shared
/// edges are painted once).
pub fn fill_regions(
    geom: &Geometry,
    layer: usize,
    width: u32,
    height: u32,
    mut paint: impl FnMut(usize, usize, f64, f64),
) {
    let (w, h) = (width as usize, height as usize);
    let r = geom.rect;
    let (sx, sy) = ((r.x1 - r.x0) / w as f64, (r.y1 - r.y0) / h as f64);
    for (ri, region) in geom.layers[layer].regions.iter().enumerate() {
        let poly = geom.polygon(region);
        let (ymin, ymax) = poly
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), p| {
                (a.min(p[1]), b.max(p[1]))
            });
        // Rows whose centre lies in [ymin, ymax).
        let row0 = (((ymin - r.y0) / sy - 0.5).ceil().max(0.0)) as usize;
        let row1 = (((ymax - r.y0) / sy - 0.5).ceil().clamp(0.0, h as f64)) as usize;
        for row in row0..row1 {
            let y = r.y0 + (row as f64 + 0.5) * sy;
            let Some((xl, xr)) = span(&poly, y) else {
                continue;
            };
            let c0 = (((xl - r.x0) / sx - 0.5).ceil().max(0.0)) as usize;
            let c1 = (((xr - r.x0) / sx - 0.5).ceil().clamp(0.0, w as f64)) as usize;
            for c in c0..c1 {
                paint(row * w + c, ri, r.x0 + (c as f64 + 0.5) * sx, y);
            }
        }
    }
}

/// Where the horizontal line at `y` crosses a convex polygon.
fn span(poly: &[[f64; 2]], y: f64) -> Option<(f64, f64)> {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    let n = poly.len();
    for k in 0..n {
        let (a, b) = (poly[k], poly[(k + 1) % n]);
        if (a[1] <= y && y < b[1]) || (b[1] <= y && y < a[1]) {
            let x = a[0] + (y - a[1]) / (b[1] - a[1]) * (b[0] - a[0]);
            lo = lo.min(x);
            hi = hi.max(x);
        }
    }
    (lo <= hi).then_some((lo, hi))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::Rect;
    use crate::nn::Architecture;
    use rand::SeedableRng;

    #[test]
    fn matches_the_network_pixel_by_pixel() {
        let mut net = Network::init(
            Architecture::paper(),
            &mut rand_chacha::ChaCha8Rng::seed_from_u64(4),
        );
        net.params.iter_mut().for_each(|p| *p *= 3.0);
        for rect in [Rect::UNIT, Rect::new(0.2, 0.3, 0.45, 0.5).unwrap()] {
            let g = Geometry::new(&net, rect);
            let (w, h) = (97, 61);
            let img = prediction(&g, &net, w, h);
            for (i, &p) in img.iter().enumerate() {
                let x = rect.x0 + ((i % 97) as f64 + 0.5) / 97.0 * (rect.x1 - rect.x0);
                let y = rect.y0 + ((i / 97) as f64 + 0.5) / 61.0 * (rect.y1 - rect.y0);
                let exact = net.probability_white(x, y) as f32;
                assert!((p - exact).abs() < 1e-5, "pixel {i}: {p} vs {exact}");
            }
        }
    }
}
