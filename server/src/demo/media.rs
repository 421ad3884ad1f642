//! Media the demo generates itself (no files to ship, no network): an SVG
//! picture, a bar chart, a short tone and a small PDF.

/// A loquat, drawn in SVG.
pub fn loquat_svg() -> String {
    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"240\" height=\"180\" viewBox=\"0 0 240 180\">\
<rect width=\"240\" height=\"180\" fill=\"#fdf3e4\"/>\
<path d=\"M120 40 C150 10 190 20 200 30 C170 35 150 45 122 50Z\" fill=\"#4f7a28\"/>\
<ellipse cx=\"110\" cy=\"105\" rx=\"52\" ry=\"58\" fill=\"#f29b38\"/>\
<ellipse cx=\"92\" cy=\"88\" rx=\"12\" ry=\"18\" fill=\"#fbd08f\"/>\
<path d=\"M110 47 L112 40\" stroke=\"#6b4a1b\" stroke-width=\"4\"/>\
</svg>"
        .to_string()
}

/// A bar chart of `bars` as SVG: what a server-side plotting library
/// would produce for a static chart.
pub fn bar_chart_svg(title: &str, bars: &[(&str, f64)]) -> String {
    let (width, height, left, bottom, top) = (480.0, 260.0, 40.0, 30.0, 36.0);
    let max = bars.iter().map(|(_, v)| *v).fold(1.0_f64, f64::max);
    let slot = (width - left - 10.0) / bars.len().max(1) as f64;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"12\">\
<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\
<text x=\"{}\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">{}</text>",
        width / 2.0,
        loquat_app::markdown::escape(title)
    );
    for (i, (label, value)) in bars.iter().enumerate() {
        let h = (height - bottom - top) * value / max;
        let x = left + i as f64 * slot + slot * 0.15;
        let y = height - bottom - h;
        svg.push_str(&format!(
            "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{h:.1}\" fill=\"#f29b38\"/>\
<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
            slot * 0.7,
            x + slot * 0.35,
            height - bottom + 16.0,
            loquat_app::markdown::escape(label)
        ));
    }
    svg.push_str(&format!(
        "<line x1=\"{left}\" y1=\"{0}\" x2=\"{1}\" y2=\"{0}\" stroke=\"#333\"/></svg>",
        height - bottom,
        width - 10.0
    ));
    svg
}

/// `millis` of a sine tone at `hz`, as an 8 kHz 8-bit mono WAV file.
pub fn tone_wav(millis: u32, hz: f64) -> Vec<u8> {
    const RATE: u32 = 8_000;
    let samples = RATE * millis / 1000;
    let mut wav = Vec::with_capacity(44 + samples as usize);
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&(36 + samples).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&16u32.to_le_bytes());
    wav.extend_from_slice(&1u16.to_le_bytes()); // PCM
    wav.extend_from_slice(&1u16.to_le_bytes()); // mono
    wav.extend_from_slice(&RATE.to_le_bytes());
    wav.extend_from_slice(&RATE.to_le_bytes()); // bytes per second
    wav.extend_from_slice(&1u16.to_le_bytes()); // block align
    wav.extend_from_slice(&8u16.to_le_bytes()); // bits per sample
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&samples.to_le_bytes());
    for n in 0..samples {
        let t = f64::from(n) / f64::from(RATE);
        let sample = 128.0 + 90.0 * (2.0 * std::f64::consts::PI * hz * t).sin();
        wav.push(sample.round().clamp(0.0, 255.0) as u8);
    }
    wav
}

/// A PDF with one page per entry of `pages`, each showing its text.
pub fn sample_pdf(pages: &[&str]) -> Vec<u8> {
    let mut objects: Vec<String> = vec![
        "<< /Type /Catalog /Pages 2 0 R >>".into(),
        String::new(), // the page tree, filled in below
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".into(),
    ];
    let mut kids = Vec::new();
    for text in pages {
        let page = objects.len() + 1;
        kids.push(format!("{page} 0 R"));
        let escaped = text
            .replace('\\', "\\\\")
            .replace('(', "\\(")
            .replace(')', "\\)");
        let stream = format!("BT /F1 28 Tf 72 700 Td ({escaped}) Tj ET");
        objects.push(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] \
/Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R >>",
            page + 1
        ));
        objects.push(format!(
            "<< /Length {} >>\nstream\n{stream}\nendstream",
            stream.len()
        ));
    }
    objects[1] = format!(
        "<< /Type /Pages /Kids [{}] /Count {} >>",
        kids.join(" "),
        pages.len()
    );
    let mut pdf = String::from("%PDF-1.4\n");
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.push_str(&format!("{} 0 obj\n{body}\nendobj\n", i + 1));
    }
    let xref = pdf.len();
    pdf.push_str(&format!(
        "xref\n0 {}\n0000000000 65535 f \n",
        objects.len() + 1
    ));
    for offset in offsets {
        pdf.push_str(&format!("{offset:010} 00000 n \n"));
    }
    pdf.push_str(&format!(
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    ));
    pdf.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_files_have_their_formats_shape() {
        let wav = tone_wav(100, 440.0);
        assert_eq!(&wav[..4], b"RIFF");
        assert_eq!(wav.len(), 44 + 800);
        let pdf = sample_pdf(&["One", "Two (2)"]);
        let text = String::from_utf8(pdf).expect("ascii");
        assert!(text.starts_with("%PDF-1.4"));
        assert!(text.contains("/Count 2"));
        // The xref points at each object.
        let xref_at: usize = text
            .rsplit("startxref\n")
            .next()
            .and_then(|t| t.lines().next())
            .and_then(|n| n.parse().ok())
            .expect("startxref");
        assert!(text[xref_at..].starts_with("xref"));
        assert!(text.contains("(Two \\(2\\))"));
        let chart = bar_chart_svg("A < B", &[("x", 1.0), ("y", 3.0)]);
        assert!(chart.contains("A &lt; B"));
        assert_eq!(chart.matches("<rect").count(), 3);
    }
}
