//! Targets from image files: any format the `image` crate reads, any size and aspect.
//!
//! The rule: composite alpha over white, take luminance (Rec. 709, linear in the stored
//! values), fit the image into the square keeping its aspect (padding with white), resize
//! to the training resolution with a triangle filter, then a pixel is white iff its
//! luminance ≥ `threshold` (0–255 scale). `--threshold 255` is the report script's rule
//! (only pure white after resizing is white).

use super::{Target, TargetError, check_resolution};
use image::{ImageBuffer, Luma, imageops};
use std::path::Path;

pub const DEFAULT_THRESHOLD: u8 = 128;

pub fn load_image(path: &Path, resolution: u32, threshold: u8) -> Result<Target, TargetError> {
    check_resolution(resolution)?;
    let unreadable = |reason: String| TargetError::Unreadable {
        path: path.to_path_buf(),
        reason,
    };
    let img = image::ImageReader::open(path)
        .map_err(|e| unreadable(e.to_string()))?
        .with_guessed_format()
        .map_err(|e| unreadable(e.to_string()))?
        .decode()
        .map_err(|e| unreadable(e.to_string()))?;
    let rgba = img.to_rgba32f();
    let (w, h) = rgba.dimensions();
    if w == 0 || h == 0 {
        return Err(unreadable("the image is empty".into()));
    }
    let side = w.max(h);
    let (ox, oy) = ((side - w) / 2, (side - h) / 2);
    let mut gray: ImageBuffer<Luma<f32>, Vec<f32>> =
        ImageBuffer::from_pixel(side, side, Luma([1.0]));
    for (x, y, p) in rgba.enumerate_pixels() {
        let [r, g, b, a] = p.0;
        let lum = 0.2126 * r + 0.7152 * g + 0.0722 * b;
        gray.put_pixel(x + ox, y + oy, Luma([lum * a + (1.0 - a)]));
    }
    let small = imageops::resize(
        &gray,
        resolution,
        resolution,
        imageops::FilterType::Triangle,
    );
    let cut = threshold as f32 / 255.0;
    // A tiny tolerance so pure white stays white after resampling's rounding.
    let white = small.pixels().map(|p| p.0[0] >= cut - 1e-4).collect();
    Ok(Target {
        width: resolution,
        height: resolution,
        white,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgba, RgbaImage};

    fn temp(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("ginn-target-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir.join(name)
    }

    #[test]
    fn left_half_black_stays_left_and_alpha_is_white() {
        // 40×20: left quarter opaque black, the rest transparent black (→ white).
        let img = RgbaImage::from_fn(40, 20, |x, _| {
            if x < 10 {
                Rgba([0, 0, 0, 255])
            } else {
                Rgba([0, 0, 0, 0])
            }
        });
        let p = temp("quarter.png");
        img.save(&p).unwrap();
        let t = load_image(&p, 40, 128).unwrap();
        // Letterboxed into 40×40: rows 10..30 carry the image.
        assert!(!t.white[20 * 40 + 2], "left stays black");
        assert!(t.white[20 * 40 + 30], "transparent is white");
        assert!(t.white[2 * 40 + 2], "padding is white");
    }

    #[test]
    fn sixteen_bit_and_other_formats_load() {
        let img = image::ImageBuffer::<Luma<u16>, _>::from_fn(8, 8, |x, _| {
            Luma([if x < 4 { 0 } else { 65535 }])
        });
        let p = temp("g16.png");
        img.save(&p).unwrap();
        let t = load_image(&p, 8, 255).unwrap();
        assert!(!t.white[0] && t.white[7]);
        let p = temp("g.bmp");
        image::DynamicImage::ImageLuma16(img)
            .to_rgb8()
            .save(&p)
            .unwrap();
        assert!(load_image(&p, 8, 128).unwrap().white[7]);
    }

    #[test]
    fn garbage_is_a_clear_error() {
        let p = temp("junk.png");
        std::fs::write(&p, b"not an image at all").unwrap();
        let e = load_image(&p, 8, 128).unwrap_err().to_string();
        assert!(e.contains("junk.png"), "{e}");
        let e = load_image(Path::new("/nonexistent/x.png"), 8, 128)
            .unwrap_err()
            .to_string();
        assert!(e.contains("/nonexistent/x.png"), "{e}");
    }
}
