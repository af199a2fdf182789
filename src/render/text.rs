//! Text on CPU frames (titles, captions, the iteration/loss overlay), with the Ubuntu font
//! egui ships, so no font file has to be found on the machine.

use ab_glyph::{Font, FontRef, PxScale, ScaleFont};
use tiny_skia::Pixmap;

fn font() -> FontRef<'static> {
    FontRef::try_from_slice(epaint_default_fonts::UBUNTU_LIGHT).expect("the bundled font parses")
}

/// Width in pixels of `text` at `size` px.
pub fn width(text: &str, size: f32) -> f32 {
    let f = font();
    let s = f.as_scaled(PxScale::from(size));
    text.chars().map(|c| s.h_advance(f.glyph_id(c))).sum()
}

/// Draws `text` with its top-left corner at (x, y), blending `color` by glyph coverage.
pub fn draw(pixmap: &mut Pixmap, text: &str, x: f32, y: f32, size: f32, color: [u8; 3]) {
    let f = font();
    let scaled = f.as_scaled(PxScale::from(size));
    let mut caret = x;
    let baseline = y + scaled.ascent();
    let (w, h) = (pixmap.width() as i32, pixmap.height() as i32);
    let data = pixmap.data_mut();
    for c in text.chars() {
        let id = f.glyph_id(c);
        let glyph =
            id.with_scale_and_position(PxScale::from(size), ab_glyph::point(caret, baseline));
        caret += scaled.h_advance(id);
        let Some(outlined) = f.outline_glyph(glyph) else {
            continue;
        };
        let b = outlined.px_bounds();
        outlined.draw(|gx, gy, cov| {
            let (px, py) = (b.min.x as i32 + gx as i32, b.min.y as i32 + gy as i32);
            if px < 0 || py < 0 || px >= w || py >= h {
                return;
            }
            let i = (py * w + px) as usize * 4;
            let a = cov.clamp(0.0, 1.0);
            for k in 0..3 {
                let dst = data[i + k] as f32;
                data[i + k] = (dst + (color[k] as f32 - dst) * a).round() as u8;
            }
            data[i + 3] = data[i + 3].max((a * 255.0) as u8);
        });
    }
}
