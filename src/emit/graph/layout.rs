//! A small deterministic layout for [`Picture`]s: layered rows, routed lines,
//! labels placed where nothing else is.
//!
//! Machines have a natural top-to-bottom reading: CPU nodes, then the memory
//! and the devices they reach. So boxes go into rows by [`Role`] (CPU nodes
//! first; memory-only nodes and devices in whichever order makes fewer lines
//! skip a row; leftover nodes last), are ordered within a row by the mean
//! position of their neighbours (a few barycenter sweeps, as in Sugiyama-style
//! layouts), and are placed under their neighbours where the row allows.
//!
//! Lines never cross a box, by construction:
//! - between adjacent rows, a straight line from a port on the upper box's
//!   bottom to one on the lower box's top;
//! - between neighbours in one row, a horizontal line in the gap, which is
//!   widened to hold its label;
//! - between other boxes of one row, a U under the row on a track of its own;
//! - across rows, down to a track, sideways to a gutter that is free in every
//!   row it passes, down, and across to the target;
//! - a full mesh ([`super::Bus`]), one bus line under its row with a stub to
//!   each member.
//!
//! Labels are tried at points along their line, then on a spiral around it,
//! then below everything; a label is only placed where it overlaps no box, no
//! other label and (preferably) no other line, and gets a leader line when
//! it had to move off its line. Text is measured for a monospace font, so the
//! geometry is known without font files: [`Scene::check`] proves that boxes,
//! labels, the title and the legend never overlap.
//!
//! Everything is integer pixels and every choice breaks ties by index, so a
//! picture is byte-identical run to run.

use super::{EdgeKind, Item, Picture, Role};
use crate::kinds::{LinkKind, MemKind};

/// A point, px.
pub type Pt = (i32, i32);
/// A line segment.
type Seg = (Pt, Pt);
/// Ports of one box side: (sort key, connection or bus tag, which end).
type Ports = Vec<(i32, usize, u8)>;

/// Body text size, px.
pub const FONT: i32 = 12;
/// Box titles.
pub const TITLE_FONT: i32 = 13;
/// Line labels, chips, strips.
pub const SMALL: i32 = 11;
/// The picture's title.
pub const HEADING: i32 = 16;
const LINE: i32 = 16;
const SMALL_LINE: i32 = 14;
const PAD: i32 = 8;
const BAR_H: i32 = 20;
const STRIP_H: i32 = 18;
const CHIP_GAP: i32 = 6;
const CHIP_COLS: usize = 4;
const MIN_BOX_W: i32 = 150;
const MIN_DEVICE_W: i32 = 120;
/// Between boxes of one row.
const GAP: i32 = 40;
/// The least vertical space between rows.
const CHANNEL: i32 = 120;
const TRACK: i32 = 18;
const TRACK_MARGIN: i32 = 24;
const MARGIN: i32 = 24;
/// Rows start below the title band.
const TOP: i32 = 80;
/// Free space kept around boxes when placing labels.
const BOX_CLEAR: i32 = 6;
const LABEL_CLEAR: i32 = 3;

/// Width of `s` in DejaVu Sans Mono at `size` px. The font advances 0.602 em
/// per character; 0.62 leaves room for a fallback monospace font.
pub fn text_width(s: &str, size: i32) -> i32 {
    let n = i64::try_from(s.chars().count()).unwrap_or(i64::MAX / 1000);
    i32::try_from((n * i64::from(size) * 62 + 99) / 100).unwrap_or(i32::MAX / 4)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rect {
    pub x: i32,
    pub y: i32,
    pub w: i32,
    pub h: i32,
}

impl Rect {
    pub fn new(x: i32, y: i32, w: i32, h: i32) -> Rect {
        Rect { x, y, w, h }
    }
    pub fn right(&self) -> i32 {
        self.x + self.w
    }
    pub fn bottom(&self) -> i32 {
        self.y + self.h
    }
    pub fn center(&self) -> (i32, i32) {
        (self.x + self.w / 2, self.y + self.h / 2)
    }
    /// Interiors intersect (touching edges do not count).
    pub fn overlaps(&self, o: &Rect) -> bool {
        self.x < o.right() && o.x < self.right() && self.y < o.bottom() && o.y < self.bottom()
    }
    pub fn contains(&self, o: &Rect) -> bool {
        o.x >= self.x && o.y >= self.y && o.right() <= self.right() && o.bottom() <= self.bottom()
    }
    pub fn inflate(&self, d: i32) -> Rect {
        Rect::new(self.x - d, self.y - d, self.w + 2 * d, self.h + 2 * d)
    }
    fn shift(&mut self, dx: i32, dy: i32) {
        self.x += dx;
        self.y += dy;
    }
    fn union(&self, o: &Rect) -> Rect {
        let x = self.x.min(o.x);
        let y = self.y.min(o.y);
        Rect::new(
            x,
            y,
            self.right().max(o.right()) - x,
            self.bottom().max(o.bottom()) - y,
        )
    }
    /// Whether the segment a–b passes through the rectangle's interior.
    fn hits_segment(&self, a: (i32, i32), b: (i32, i32)) -> bool {
        // Liang–Barsky clipping against the open rectangle.
        let (x0, y0) = (f64::from(a.0), f64::from(a.1));
        let (dx, dy) = (f64::from(b.0) - x0, f64::from(b.1) - y0);
        let (mut t0, mut t1) = (0.0_f64, 1.0_f64);
        let checks = [
            (-dx, x0 - f64::from(self.x)),
            (dx, f64::from(self.right()) - x0),
            (-dy, y0 - f64::from(self.y)),
            (dy, f64::from(self.bottom()) - y0),
        ];
        for (p, q) in checks {
            if p == 0.0 {
                if q <= 0.0 {
                    return false;
                }
            } else {
                let r = q / p;
                if p < 0.0 {
                    t0 = t0.max(r);
                } else {
                    t1 = t1.min(r);
                }
            }
        }
        t0 < t1
    }
    /// The point of the rectangle nearest to p.
    fn nearest(&self, p: (i32, i32)) -> (i32, i32) {
        (
            p.0.clamp(self.x, self.right()),
            p.1.clamp(self.y, self.bottom()),
        )
    }
}

/// A run of text; `y` is the baseline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Text {
    pub x: i32,
    pub y: i32,
    pub text: String,
    pub size: i32,
    pub bold: bool,
    /// Centred on `x` rather than starting there.
    pub middle: bool,
}

impl Text {
    fn new(x: i32, y: i32, text: &str, size: i32) -> Text {
        Text {
            x,
            y,
            text: text.to_string(),
            size,
            bold: false,
            middle: false,
        }
    }
    fn bold(mut self) -> Text {
        self.bold = true;
        self
    }
    fn middle(mut self) -> Text {
        self.middle = true;
        self
    }
    /// The box the text occupies (baseline minus ascent to plus descent).
    pub fn bounds(&self) -> Rect {
        let w = text_width(&self.text, self.size);
        let x = if self.middle { self.x - w / 2 } else { self.x };
        Rect::new(x, self.y - self.size, w, self.size + self.size / 4 + 1)
    }
    fn shift(&mut self, dx: i32, dy: i32) {
        self.x += dx;
        self.y += dy;
    }
}

/// How a piece of a memory bar is filled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fill {
    Memory(MemKind),
    /// Specific Purpose: hatched.
    Spm,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    pub rect: Rect,
    pub fill: Fill,
}

/// A memory-side cache strip.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Strip {
    pub rect: Rect,
    pub text: Text,
}

/// A Generic Initiator node inside its device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChipShape {
    pub rect: Rect,
    pub texts: Vec<Text>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BoxShape {
    pub rect: Rect,
    pub role: Role,
    pub spm: bool,
    pub generic_initiator: bool,
    pub texts: Vec<Text>,
    pub bar: Vec<Segment>,
    pub bar_rect: Option<Rect>,
    pub bar_text: Option<Text>,
    pub strips: Vec<Strip>,
    pub chips: Vec<ChipShape>,
}

impl BoxShape {
    fn shift(&mut self, dx: i32, dy: i32) {
        self.rect.shift(dx, dy);
        for t in &mut self.texts {
            t.shift(dx, dy);
        }
        for s in &mut self.bar {
            s.rect.shift(dx, dy);
        }
        if let Some(r) = &mut self.bar_rect {
            r.shift(dx, dy);
        }
        if let Some(t) = &mut self.bar_text {
            t.shift(dx, dy);
        }
        for s in &mut self.strips {
            s.rect.shift(dx, dy);
            s.text.shift(dx, dy);
        }
        for c in &mut self.chips {
            c.rect.shift(dx, dy);
            for t in &mut c.texts {
                t.shift(dx, dy);
            }
        }
    }
}

/// What a line is drawn as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stroke {
    Link(LinkKind),
    Initiator,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathShape {
    pub points: Vec<(i32, i32)>,
    pub stroke: Stroke,
    /// A bus line (drawn thicker).
    pub bus: bool,
    /// Which connection it belongs to.
    pub conn: usize,
    /// The boxes it joins (both the member for a bus stub; none for the
    /// bus line itself).
    pub ends: (usize, usize),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub rect: Rect,
    pub texts: Vec<Text>,
    pub stroke: Stroke,
    /// From the line to the label, when the label had to move off it.
    pub leader: Option<[(i32, i32); 2]>,
}

impl Label {
    fn shift(&mut self, dx: i32, dy: i32) {
        self.rect.shift(dx, dy);
        for t in &mut self.texts {
            t.shift(dx, dy);
        }
        if let Some(l) = &mut self.leader {
            for p in l.iter_mut() {
                p.0 += dx;
                p.1 += dy;
            }
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Swatch {
    Cpu,
    Memory(MemKind),
    Spm,
    Cache,
    Device,
    Initiator,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LegendEntry {
    pub swatch: Swatch,
    pub rect: Rect,
    pub text: Text,
}

/// A laid-out picture.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scene {
    pub width: i32,
    pub height: i32,
    pub title: Vec<Text>,
    pub boxes: Vec<BoxShape>,
    pub paths: Vec<PathShape>,
    pub labels: Vec<Label>,
    pub legend: Vec<LegendEntry>,
}

impl Scene {
    /// Proves the picture is readable: boxes, labels, the title and the
    /// legend overlap nothing; chips, bars, strips and text stay inside their
    /// box; everything is on the canvas; no line passes through a box other
    /// than its own ends.
    pub fn check(&self) -> Result<(), String> {
        let mut solids: Vec<(String, Rect)> = Vec::new();
        for t in &self.title {
            solids.push((format!("title {:?}", t.text), t.bounds()));
        }
        for (i, b) in self.boxes.iter().enumerate() {
            solids.push((format!("box {i}"), b.rect));
        }
        for (i, l) in self.labels.iter().enumerate() {
            solids.push((
                format!("label {i} {:?}", l.texts.first().map(|t| &t.text)),
                l.rect,
            ));
        }
        for e in &self.legend {
            solids.push((format!("legend swatch {:?}", e.text.text), e.rect));
            solids.push((format!("legend text {:?}", e.text.text), e.text.bounds()));
        }
        let canvas = Rect::new(0, 0, self.width, self.height);
        for (i, (a, ra)) in solids.iter().enumerate() {
            if !canvas.contains(ra) {
                return Err(format!("{a} {ra:?} is off the {canvas:?} canvas"));
            }
            for (b, rb) in &solids[i + 1..] {
                if ra.overlaps(rb) {
                    return Err(format!("{a} {ra:?} overlaps {b} {rb:?}"));
                }
            }
        }
        for (i, b) in self.boxes.iter().enumerate() {
            let inner: Vec<(String, Rect)> = b
                .texts
                .iter()
                .map(|t| (format!("text {:?}", t.text), t.bounds()))
                .chain(b.strips.iter().map(|s| ("strip".to_string(), s.rect)))
                .chain(
                    b.strips
                        .iter()
                        .map(|s| (format!("strip text {:?}", s.text.text), s.text.bounds())),
                )
                .chain(b.bar_rect.iter().map(|r| ("bar".to_string(), *r)))
                .chain(
                    b.bar_text
                        .iter()
                        .map(|t| (format!("bar text {:?}", t.text), t.bounds())),
                )
                .chain(b.chips.iter().map(|c| ("chip".to_string(), c.rect)))
                .collect();
            for (what, r) in &inner {
                if !b.rect.contains(r) {
                    return Err(format!("box {i}: {what} {r:?} sticks out of {:?}", b.rect));
                }
            }
            for (k, c) in b.chips.iter().enumerate() {
                for t in &c.texts {
                    if !c.rect.contains(&t.bounds()) {
                        return Err(format!("box {i}: chip text {:?} sticks out", t.text));
                    }
                }
                for d in &b.chips[k + 1..] {
                    if c.rect.overlaps(&d.rect) {
                        return Err(format!("box {i}: chips overlap"));
                    }
                }
            }
        }
        Ok(())
    }

    /// Lines that pass through a box which is not one of their ends, as
    /// (path index, box index). Routing makes this empty by construction.
    pub fn lines_through_boxes(&self) -> Vec<(usize, usize)> {
        let mut v = Vec::new();
        for (pi, p) in self.paths.iter().enumerate() {
            for (bi, bx) in self.boxes.iter().enumerate() {
                if bi == p.ends.0 || bi == p.ends.1 {
                    continue;
                }
                if p.points
                    .windows(2)
                    .any(|w| bx.rect.hits_segment(w[0], w[1]))
                {
                    v.push((pi, bi));
                }
            }
        }
        v
    }
}

/// Measures an item and lays out its contents at the origin.
fn build_box(item: &Item) -> BoxShape {
    let mut w = if item.role == Role::Device {
        MIN_DEVICE_W
    } else {
        MIN_BOX_W
    };
    w = w.max(text_width(&item.title, TITLE_FONT) + 2 * PAD);
    for l in &item.lines {
        w = w.max(text_width(l, FONT) + 2 * PAD);
    }
    for c in &item.caches {
        w = w.max(text_width(c, SMALL) + 2 * PAD + 12);
    }
    if let Some(m) = &item.memory {
        w = w.max(text_width(&m.text, FONT) + 2 * PAD + 16);
    }
    for a in &item.after_bar {
        w = w.max(text_width(a, FONT) + 2 * PAD);
    }
    let chip_lines = item.chips.iter().map(|c| c.lines.len()).max().unwrap_or(0);
    let chip_w = item
        .chips
        .iter()
        .flat_map(|c| c.lines.iter())
        .map(|l| text_width(l, SMALL) + 12)
        .max()
        .unwrap_or(0);
    let chip_h = i32::try_from(chip_lines).unwrap_or(4) * SMALL_LINE + 8;
    let cols = item.chips.len().clamp(1, CHIP_COLS);
    let cols_i = i32::try_from(cols).unwrap_or(1);
    if !item.chips.is_empty() {
        w = w.max(cols_i * chip_w + (cols_i - 1) * CHIP_GAP + 2 * PAD);
    }

    let mut texts = Vec::new();
    let mut y = PAD;
    texts.push(Text::new(PAD, y + TITLE_FONT, &item.title, TITLE_FONT).bold());
    y += LINE + 4;
    for l in &item.lines {
        texts.push(Text::new(PAD, y + FONT, l, FONT));
        y += LINE;
    }
    let mut strips = Vec::new();
    for c in &item.caches {
        let r = Rect::new(PAD, y + 2, w - 2 * PAD, STRIP_H);
        strips.push(Strip {
            rect: r,
            text: Text::new(r.x + r.w / 2, r.y + STRIP_H / 2 + 4, c, SMALL).middle(),
        });
        y += STRIP_H + 2;
    }
    let mut bar = Vec::new();
    let mut bar_rect = None;
    let mut bar_text = None;
    if let Some(m) = &item.memory {
        let r = Rect::new(PAD, y + 2, w - 2 * PAD, BAR_H);
        bar_rect = Some(r);
        bar.push(Segment {
            rect: r,
            fill: Fill::Memory(m.kind),
        });
        for &(off, len) in &m.spm {
            let scale = |v: u64| -> i32 {
                if m.size == 0 {
                    return 0;
                }
                let v = u128::from(v.min(m.size)) * u128::try_from(r.w).unwrap_or(0)
                    / u128::from(m.size);
                i32::try_from(v).unwrap_or(r.w)
            };
            let x0 = scale(off).min(r.w - 4);
            let x1 = scale(off.saturating_add(len)).max(x0 + 4).min(r.w);
            bar.push(Segment {
                rect: Rect::new(r.x + x0, r.y, x1 - x0, r.h),
                fill: Fill::Spm,
            });
        }
        bar_text = Some(Text::new(r.x + r.w / 2, r.y + BAR_H / 2 + 4, &m.text, FONT).middle());
        y += BAR_H + 4;
    }
    for a in &item.after_bar {
        texts.push(Text::new(PAD, y + FONT, a, FONT));
        y += LINE;
    }
    let mut chips = Vec::new();
    if !item.chips.is_empty() {
        y += 4;
        for (k, c) in item.chips.iter().enumerate() {
            let col = i32::try_from(k % cols).unwrap_or(0);
            let row = i32::try_from(k / cols).unwrap_or(0);
            let r = Rect::new(
                PAD + col * (chip_w + CHIP_GAP),
                y + row * (chip_h + CHIP_GAP),
                chip_w,
                chip_h,
            );
            let texts = c
                .lines
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    let i = i32::try_from(i).unwrap_or(0);
                    Text::new(r.x + 6, r.y + 4 + SMALL + i * SMALL_LINE, l, SMALL)
                })
                .collect();
            chips.push(ChipShape { rect: r, texts });
        }
        let rows = i32::try_from(item.chips.len().div_ceil(cols)).unwrap_or(1);
        y += rows * (chip_h + CHIP_GAP) - CHIP_GAP;
    }
    let h = y + PAD;
    BoxShape {
        rect: Rect::new(0, 0, w, h),
        role: item.role,
        spm: item.spm,
        generic_initiator: item.generic_initiator,
        texts,
        bar,
        bar_rect,
        bar_text,
        strips,
        chips,
    }
}

/// The rows, top to bottom. Memory and devices go in the order that makes
/// fewer links skip a row.
fn row_roles(p: &Picture) -> Vec<Role> {
    let present = |r: Role| p.items.iter().any(|i| i.role == r);
    let skips = |order: &[Role]| -> usize {
        let rank = |r: Role| order.iter().position(|&o| o == r).unwrap_or(0);
        p.edges
            .iter()
            .filter(|e| {
                let (ra, rb) = (rank(p.items[e.a].role), rank(p.items[e.b].role));
                ra.abs_diff(rb) > 1
            })
            .count()
    };
    let a = [Role::Cpu, Role::Memory, Role::Device, Role::Other];
    let b = [Role::Cpu, Role::Device, Role::Memory, Role::Other];
    let order = if skips(&b) < skips(&a) { b } else { a };
    order.into_iter().filter(|&r| present(r)).collect()
}

/// A line to route: a link or initiator edge not drawn on a bus.
struct Conn {
    a: usize,
    b: usize,
    stroke: Stroke,
    label: Vec<String>,
}

enum Route {
    /// Adjacent rows; `a` is the upper end.
    Straight { up: usize, down: usize },
    /// Neighbours in one row; `l` is left of `r`.
    Side { l: usize, r: usize },
    /// Same row, not neighbours: a U under the row.
    Under { a: usize, b: usize },
    /// Across two or more rows, through a gutter.
    Skip { up: usize, down: usize, gutter: i32 },
}

fn label_size(lines: &[String]) -> (i32, i32) {
    let w = lines
        .iter()
        .map(|l| text_width(l, SMALL))
        .max()
        .unwrap_or(0)
        + 8;
    let h = i32::try_from(lines.len()).unwrap_or(1) * SMALL_LINE + 4;
    (w, h)
}

fn stroke_of(k: EdgeKind) -> Stroke {
    match k {
        EdgeKind::Link(l) => Stroke::Link(l),
        EdgeKind::Initiator => Stroke::Initiator,
    }
}

/// Lays a picture out.
pub fn layout(p: &Picture) -> Scene {
    let n = p.items.len();
    let mut boxes: Vec<BoxShape> = p.items.iter().map(build_box).collect();
    let roles = row_roles(p);
    let mut rows: Vec<Vec<usize>> = roles
        .iter()
        .map(|&r| (0..n).filter(|&i| p.items[i].role == r).collect())
        .collect();
    let mut row_of = vec![0usize; n];
    for (r, row) in rows.iter().enumerate() {
        for &i in row {
            row_of[i] = r;
        }
    }
    let valid = |e: &super::Edge| e.a < n && e.b < n && e.a != e.b;
    let mut nbrs: Vec<Vec<usize>> = vec![Vec::new(); n];
    for e in p.edges.iter().filter(|e| valid(e)) {
        nbrs[e.a].push(e.b);
        nbrs[e.b].push(e.a);
    }
    order_rows(&mut rows, &row_of, &nbrs);
    let mut pos_in_row = vec![0usize; n];
    for row in &rows {
        for (k, &i) in row.iter().enumerate() {
            pos_in_row[i] = k;
        }
    }

    // Lines to draw one by one, and the routes they take.
    let conns: Vec<Conn> = p
        .edges
        .iter()
        .filter(|e| valid(e) && e.bus.is_none())
        .map(|e| Conn {
            a: e.a,
            b: e.b,
            stroke: stroke_of(e.kind),
            label: e.label.clone(),
        })
        .collect();
    let side_by_side =
        |a: usize, b: usize| row_of[a] == row_of[b] && pos_in_row[a].abs_diff(pos_in_row[b]) == 1;

    // Horizontal placement. Gaps between neighbours hold their side labels.
    let mut gap_after = vec![GAP; n];
    for c in &conns {
        if side_by_side(c.a, c.b) {
            let l = if pos_in_row[c.a] < pos_in_row[c.b] {
                c.a
            } else {
                c.b
            };
            gap_after[l] = gap_after[l].max(label_size(&c.label).0 + 24);
        }
    }
    let xs = place_x(&rows, &boxes, &nbrs, &gap_after);
    for i in 0..n {
        boxes[i].shift(xs[i], 0);
    }

    let mut used_gutters: Vec<i32> = Vec::new();
    let routes: Vec<Route> = conns
        .iter()
        .map(|c| {
            let (ra, rb) = (row_of[c.a], row_of[c.b]);
            if ra == rb {
                if side_by_side(c.a, c.b) {
                    if pos_in_row[c.a] < pos_in_row[c.b] {
                        Route::Side { l: c.a, r: c.b }
                    } else {
                        Route::Side { l: c.b, r: c.a }
                    }
                } else {
                    Route::Under { a: c.a, b: c.b }
                }
            } else {
                let (up, down) = if ra < rb { (c.a, c.b) } else { (c.b, c.a) };
                if ra.abs_diff(rb) == 1 {
                    Route::Straight { up, down }
                } else {
                    let target = (boxes[up].rect.center().0 + boxes[down].rect.center().0) / 2;
                    let blocked: Vec<Rect> = rows[row_of[up] + 1..row_of[down]]
                        .iter()
                        .flatten()
                        .map(|&i| boxes[i].rect)
                        .collect();
                    let gutter = find_gutter(target, &blocked, &used_gutters);
                    used_gutters.push(gutter);
                    Route::Skip { up, down, gutter }
                }
            }
        })
        .collect();

    // Ports: where each line meets its boxes. Top and bottom ports are
    // spread along the side in the order of where the line goes.
    #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
    enum Side {
        Top,
        Bottom,
    }
    // (item, side) → [(sort key, conn or bus tag, end)]
    let mut ports: std::collections::BTreeMap<(usize, Side), Ports> =
        std::collections::BTreeMap::new();
    let cx = |i: usize| boxes[i].rect.center().0;
    const BUS_TAG: usize = 1 << 30;
    for (k, r) in routes.iter().enumerate() {
        match *r {
            Route::Straight { up, down } => {
                ports
                    .entry((up, Side::Bottom))
                    .or_default()
                    .push((cx(down), k, 0));
                ports
                    .entry((down, Side::Top))
                    .or_default()
                    .push((cx(up), k, 1));
            }
            Route::Under { a, b } => {
                ports
                    .entry((a, Side::Bottom))
                    .or_default()
                    .push((cx(b), k, 0));
                ports
                    .entry((b, Side::Bottom))
                    .or_default()
                    .push((cx(a), k, 1));
            }
            Route::Skip { up, down, gutter } => {
                ports
                    .entry((up, Side::Bottom))
                    .or_default()
                    .push((gutter, k, 0));
                ports
                    .entry((down, Side::Top))
                    .or_default()
                    .push((gutter, k, 1));
            }
            Route::Side { .. } => {}
        }
    }
    let buses: Vec<&super::Bus> = p
        .buses
        .iter()
        .filter(|b| b.members.len() >= 2 && b.members.iter().all(|&m| m < n))
        .collect();
    for (bi, b) in buses.iter().enumerate() {
        for &m in &b.members {
            let r = boxes[m].rect;
            ports
                .entry((m, Side::Bottom))
                .or_default()
                .push((r.x + r.w * 3 / 4, BUS_TAG + bi, 2));
        }
    }
    let mut port_x: std::collections::BTreeMap<(usize, u8), i32> =
        std::collections::BTreeMap::new();
    let mut bus_port_x: std::collections::BTreeMap<(usize, usize), i32> =
        std::collections::BTreeMap::new();
    for ((item, _), list) in &mut ports {
        list.sort_unstable();
        let xs = spread_ports(boxes[*item].rect, list);
        for (&(_, tag, end), x) in list.iter().zip(xs) {
            if tag >= BUS_TAG {
                bus_port_x.insert((tag - BUS_TAG, *item), x);
            } else {
                port_x.insert((tag, end), x);
            }
        }
    }
    let px = |k: usize, end: u8| port_x.get(&(k, end)).copied().unwrap_or(0);

    // Tracks: horizontal runs in the channel under each row ("down", near
    // the upper row) and above each row ("up", near the lower row).
    let nrows = rows.len();
    let mut down_req: Vec<Vec<(i32, i32, usize)>> = vec![Vec::new(); nrows];
    let mut up_req: Vec<Vec<(i32, i32, usize)>> = vec![Vec::new(); nrows];
    for (k, r) in routes.iter().enumerate() {
        match *r {
            Route::Under { a, .. } => {
                let (x0, x1) = (px(k, 0), px(k, 1));
                down_req[row_of[a]].push((x0.min(x1), x0.max(x1), k));
            }
            Route::Skip { up, down, gutter } => {
                let x0 = px(k, 0);
                down_req[row_of[up]].push((x0.min(gutter), x0.max(gutter), k));
                let x1 = px(k, 1);
                up_req[row_of[down]].push((x1.min(gutter), x1.max(gutter), k));
            }
            _ => {}
        }
    }
    for (bi, b) in buses.iter().enumerate() {
        let xs: Vec<i32> = b
            .members
            .iter()
            .filter_map(|&m| bus_port_x.get(&(bi, m)).copied())
            .collect();
        let (lo, hi) = (
            xs.iter().copied().min().unwrap_or(0),
            xs.iter().copied().max().unwrap_or(0),
        );
        down_req[row_of[b.members[0]]].push((lo, hi, BUS_TAG + bi));
    }
    let down_level: Vec<std::collections::BTreeMap<usize, i32>> =
        down_req.iter().map(|r| assign_tracks(r)).collect();
    let up_level: Vec<std::collections::BTreeMap<usize, i32>> =
        up_req.iter().map(|r| assign_tracks(r)).collect();
    let levels =
        |m: &std::collections::BTreeMap<usize, i32>| m.values().map(|l| l + 1).max().unwrap_or(0);

    // Vertical placement.
    let row_h: Vec<i32> = rows
        .iter()
        .map(|row| row.iter().map(|&i| boxes[i].rect.h).max().unwrap_or(0))
        .collect();
    // Many straight lines leaving one side fan out: give their labels room.
    let mut fan = vec![0i32; nrows];
    for ((item, side), list) in &ports {
        if *side == Side::Bottom {
            let straight = list
                .iter()
                .filter(|&&(_, tag, _)| {
                    tag < BUS_TAG && matches!(routes[tag], Route::Straight { .. })
                })
                .count();
            let r = row_of[*item];
            fan[r] = fan[r].max(i32::try_from(straight).unwrap_or(0));
        }
    }
    let mut row_top = vec![TOP; nrows];
    for r in 1..nrows {
        let tracks = levels(&down_level[r - 1]) + levels(&up_level[r]);
        let channel = CHANNEL
            .max(2 * TRACK_MARGIN + tracks * TRACK + 70)
            .max(CHANNEL + 24 * (fan[r - 1] - 2));
        row_top[r] = row_top[r - 1] + row_h[r - 1] + channel;
    }
    // Boxes of a row share top and bottom, so lines between rows stay in
    // the channel and never graze a taller neighbour.
    for (r, row) in rows.iter().enumerate() {
        for &i in row {
            boxes[i].shift(0, row_top[r]);
            boxes[i].rect.h = row_h[r];
        }
    }
    let down_y = |r: usize, k: usize| {
        row_top[r] + row_h[r] + TRACK_MARGIN + down_level[r].get(&k).copied().unwrap_or(0) * TRACK
    };
    let up_y = |r: usize, k: usize| {
        row_top[r] - TRACK_MARGIN - up_level[r].get(&k).copied().unwrap_or(0) * TRACK
    };

    // Paths.
    let mut paths: Vec<PathShape> = Vec::new();
    let mut side_count: std::collections::BTreeMap<(usize, usize), (i32, i32)> =
        std::collections::BTreeMap::new();
    for r in &routes {
        if let Route::Side { l, r } = *r {
            side_count.entry((l, r)).or_insert((0, 0)).1 += 1;
        }
    }
    for (k, (c, r)) in conns.iter().zip(&routes).enumerate() {
        let points = match *r {
            Route::Straight { up, down } => vec![
                (px(k, 0), boxes[up].rect.bottom()),
                (px(k, 1), boxes[down].rect.y),
            ],
            Route::Side { l, r } => {
                let (lr, rr) = (boxes[l].rect, boxes[r].rect);
                let top = lr.y.max(rr.y);
                let h = lr.bottom().min(rr.bottom()) - top;
                let e = side_count.entry((l, r)).or_insert((0, 1));
                e.0 += 1;
                let y = top + h * e.0 / (e.1 + 1);
                vec![(lr.right(), y), (rr.x, y)]
            }
            Route::Under { a, b } => {
                let y = down_y(row_of[a], k);
                vec![
                    (px(k, 0), boxes[a].rect.bottom()),
                    (px(k, 0), y),
                    (px(k, 1), y),
                    (px(k, 1), boxes[b].rect.bottom()),
                ]
            }
            Route::Skip { up, down, gutter } => {
                let y0 = down_y(row_of[up], k);
                let y1 = up_y(row_of[down], k);
                vec![
                    (px(k, 0), boxes[up].rect.bottom()),
                    (px(k, 0), y0),
                    (gutter, y0),
                    (gutter, y1),
                    (px(k, 1), y1),
                    (px(k, 1), boxes[down].rect.y),
                ]
            }
        };
        paths.push(PathShape {
            points,
            stroke: c.stroke,
            bus: false,
            conn: k,
            ends: (c.a, c.b),
        });
    }
    let nconn = conns.len();
    for (bi, b) in buses.iter().enumerate() {
        let r = row_of[b.members[0]];
        let y = down_y(r, BUS_TAG + bi);
        let xs: Vec<(usize, i32)> = b
            .members
            .iter()
            .filter_map(|&m| bus_port_x.get(&(bi, m)).map(|&x| (m, x)))
            .collect();
        let lo = xs.iter().map(|p| p.1).min().unwrap_or(0);
        let hi = xs.iter().map(|p| p.1).max().unwrap_or(0);
        paths.push(PathShape {
            points: vec![(lo, y), (hi, y)],
            stroke: Stroke::Link(b.kind),
            bus: true,
            conn: nconn + bi,
            ends: (usize::MAX, usize::MAX),
        });
        for &(m, x) in &xs {
            paths.push(PathShape {
                points: vec![(x, boxes[m].rect.bottom()), (x, y)],
                stroke: Stroke::Link(b.kind),
                bus: false,
                conn: nconn + bi,
                ends: (m, m),
            });
        }
    }

    // Labels.
    let mut placer = Placer {
        boxes: boxes.iter().map(|b| b.rect.inflate(BOX_CLEAR)).collect(),
        labels: Vec::new(),
        paths: &paths,
    };
    let mut labels = Vec::new();
    let mut jobs: Vec<(usize, Vec<String>, Stroke, bool)> = Vec::new();
    for (k, c) in conns.iter().enumerate() {
        if !c.label.is_empty() {
            jobs.push((
                k,
                c.label.clone(),
                c.stroke,
                matches!(routes[k], Route::Side { .. }),
            ));
        }
    }
    for (bi, b) in buses.iter().enumerate() {
        jobs.push((nconn + bi, b.label.clone(), Stroke::Link(b.kind), true));
    }
    // Lines with the least room choose first.
    jobs.sort_by_key(|j| (!j.3, j.0));
    for (conn, lines, stroke, _) in jobs {
        let segs = preferred_segments(&paths, conn);
        let (w, h) = label_size(&lines);
        let (rect, leader) = placer.place(conn, &segs, w, h);
        let texts = lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let i = i32::try_from(i).unwrap_or(0);
                Text::new(
                    rect.x + rect.w / 2,
                    rect.y + 2 + SMALL + i * SMALL_LINE,
                    l,
                    SMALL,
                )
                .middle()
            })
            .collect();
        placer.labels.push(rect.inflate(LABEL_CLEAR));
        labels.push(Label {
            rect,
            texts,
            stroke,
            leader,
        });
    }

    // Normalise: the content starts at the left margin.
    let mut bbox: Option<Rect> = None;
    let mut grow = |r: Rect| {
        bbox = Some(match bbox {
            Some(b) => b.union(&r),
            None => r,
        })
    };
    for b in &boxes {
        grow(b.rect);
    }
    for l in &labels {
        grow(l.rect);
    }
    for p in &paths {
        for &(x, y) in &p.points {
            grow(Rect::new(x - 2, y, 4, 1));
        }
    }
    let content = bbox.unwrap_or(Rect::new(0, TOP, 0, 0));
    let dx = MARGIN - content.x;
    for b in &mut boxes {
        b.shift(dx, 0);
    }
    for l in &mut labels {
        l.shift(dx, 0);
    }
    for p in &mut paths {
        for pt in &mut p.points {
            pt.0 += dx;
        }
    }
    let mut title = vec![Text::new(MARGIN, MARGIN + HEADING - 2, &p.title, HEADING).bold()];
    if let Some(s) = &p.subtitle {
        title.push(Text::new(MARGIN, MARGIN + HEADING + 18, s, FONT));
    }
    let mut right = content.w + MARGIN;
    for t in &title {
        right = right.max(t.bounds().right());
    }
    let legend = legend(p, MARGIN, content.bottom().max(TOP) + 32, right.max(600));
    let mut bottom = content.bottom();
    for e in &legend {
        right = right.max(e.text.bounds().right());
        bottom = bottom.max(e.text.bounds().bottom()).max(e.rect.bottom());
    }
    Scene {
        width: right + MARGIN,
        height: bottom + MARGIN,
        title,
        boxes,
        paths,
        labels,
        legend,
    }
}

/// Orders each row by the mean position of its neighbours in other rows,
/// sweeping down and up a few times. Stable, so ties keep id order.
fn order_rows(rows: &mut [Vec<usize>], row_of: &[usize], nbrs: &[Vec<usize>]) {
    let n = row_of.len();
    let mut pos = vec![0.0_f64; n];
    let set = |rows: &[Vec<usize>], pos: &mut [f64]| {
        for row in rows {
            let len = row.len().max(1) as f64;
            for (k, &i) in row.iter().enumerate() {
                pos[i] = (k as f64 + 0.5) / len;
            }
        }
    };
    set(rows, &mut pos);
    let nrows = rows.len();
    for sweep in 0..6 {
        let order: Vec<usize> = if sweep % 2 == 0 {
            (0..nrows).collect()
        } else {
            (0..nrows).rev().collect()
        };
        for r in order {
            let key: Vec<(usize, f64)> = rows[r]
                .iter()
                .map(|&i| {
                    let others: Vec<f64> = nbrs[i]
                        .iter()
                        .filter(|&&j| row_of[j] != r)
                        .map(|&j| pos[j])
                        .collect();
                    let k = if others.is_empty() {
                        pos[i]
                    } else {
                        others.iter().sum::<f64>() / others.len() as f64
                    };
                    (i, k)
                })
                .collect();
            let mut sorted = key;
            sorted.sort_by(|a, b| a.1.total_cmp(&b.1));
            rows[r] = sorted.into_iter().map(|(i, _)| i).collect();
            set(rows, &mut pos);
        }
    }
}

/// Left x of every box: the widest row packed, the others under the mean of
/// their placed neighbours, pushed apart where they would overlap.
fn place_x(
    rows: &[Vec<usize>],
    boxes: &[BoxShape],
    nbrs: &[Vec<usize>],
    gap_after: &[i32],
) -> Vec<i32> {
    let n = boxes.len();
    let width = |row: &Vec<usize>| -> i32 {
        let mut w = 0;
        for (k, &i) in row.iter().enumerate() {
            w += boxes[i].rect.w;
            if k + 1 < row.len() {
                w += gap_after[i];
            }
        }
        w
    };
    let mut xs = vec![0i32; n];
    let mut placed = vec![false; n];
    let Some(widest) = (0..rows.len()).max_by_key(|&r| (width(&rows[r]), std::cmp::Reverse(r)))
    else {
        return xs;
    };
    let full = width(&rows[widest]);
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by_key(|&r| (r.abs_diff(widest), r));
    for r in order {
        let row = &rows[r];
        let start = (full - width(row)) / 2;
        let mut cursor: Option<i32> = None;
        let mut desired_shift: Vec<i32> = Vec::new();
        for &i in row {
            let w = boxes[i].rect.w;
            let placed_nbrs: Vec<i32> = nbrs[i]
                .iter()
                .filter(|&&j| placed[j])
                .map(|&j| xs[j] + boxes[j].rect.w / 2)
                .collect();
            let desired = if r == widest || placed_nbrs.is_empty() {
                None
            } else {
                let sum: i64 = placed_nbrs.iter().map(|&x| i64::from(x)).sum();
                let len = i64::try_from(placed_nbrs.len()).unwrap_or(1);
                i32::try_from(sum / len).ok().map(|c| c - w / 2)
            };
            let floor = cursor.unwrap_or(i32::MIN / 4);
            let left = match desired {
                Some(d) => d.max(floor),
                None => cursor.unwrap_or(start),
            };
            if let Some(d) = desired {
                desired_shift.push(d - left);
            }
            xs[i] = left;
            cursor = Some(left + w + gap_after[i]);
        }
        if !desired_shift.is_empty() {
            let len = i32::try_from(desired_shift.len()).unwrap_or(1);
            let shift = desired_shift.iter().sum::<i32>() / len;
            if shift < 0 {
                for &i in row {
                    xs[i] += shift;
                }
            }
        }
        for &i in row {
            placed[i] = true;
        }
    }
    xs
}

/// Where ports sit along a top or bottom side, for ports sorted by where
/// their lines go (`key`): a line whose other end is within the side's
/// reach leaves straight towards it, the others are spread evenly, and
/// neighbouring ports keep 14 px apart.
fn spread_ports(r: Rect, list: &[(i32, usize, u8)]) -> Vec<i32> {
    const SEP: i32 = 14;
    let m = i32::try_from(list.len()).unwrap_or(1);
    let even = |k: usize| r.x + r.w * (i32::try_from(k).unwrap_or(0) + 1) / (m + 1);
    let (lo, hi) = (r.x + 10, r.right() - 10);
    if (m - 1) * SEP > hi - lo {
        return (0..list.len()).map(even).collect();
    }
    let mut xs: Vec<i32> = list
        .iter()
        .enumerate()
        .map(|(k, &(key, _, _))| {
            if (lo..=hi).contains(&key) {
                key
            } else {
                even(k)
            }
        })
        .collect();
    for k in 1..xs.len() {
        xs[k] = xs[k].max(xs[k - 1] + SEP);
    }
    if let Some(last) = xs.last_mut() {
        *last = (*last).min(hi);
    }
    for k in (0..xs.len().saturating_sub(1)).rev() {
        xs[k] = xs[k].min(xs[k + 1] - SEP);
    }
    xs
}

/// The x nearest `target` where a vertical line passes no blocked box and
/// keeps clear of the gutters already used.
fn find_gutter(target: i32, blocked: &[Rect], used: &[i32]) -> i32 {
    let free = |x: i32| {
        blocked.iter().all(|r| x < r.x - 14 || x > r.right() + 14)
            && used.iter().all(|&u| (x - u).abs() >= 14)
    };
    let lo = blocked.iter().map(|r| r.x).min().unwrap_or(target);
    let hi = blocked.iter().map(|r| r.right()).max().unwrap_or(target);
    let reach = (hi - lo).abs()
        + (target - lo).abs()
        + (target - hi).abs()
        + 64
        + 16 * i32::try_from(used.len()).unwrap_or(0);
    let mut d = 0;
    while d <= reach {
        if free(target - d) {
            return target - d;
        }
        if free(target + d) {
            return target + d;
        }
        d += 2;
    }
    lo.min(target) - 40 - 16 * i32::try_from(used.len()).unwrap_or(0)
}

/// Interval-graph colouring: each run gets the lowest track free over its
/// extent (with 24 px to spare).
fn assign_tracks(reqs: &[(i32, i32, usize)]) -> std::collections::BTreeMap<usize, i32> {
    let mut sorted = reqs.to_vec();
    sorted.sort_unstable();
    let mut ends: Vec<i32> = Vec::new();
    let mut out = std::collections::BTreeMap::new();
    for (lo, hi, k) in sorted {
        let level = match ends.iter().position(|&e| e + 24 <= lo) {
            Some(l) => l,
            None => {
                ends.push(i32::MIN / 4);
                ends.len() - 1
            }
        };
        ends[level] = hi;
        out.insert(k, i32::try_from(level).unwrap_or(0));
    }
    out
}

/// The segments of a connection, best place for a label first: the longest
/// segment (the track of a U, the gutter of a skip, the bus), then the rest.
fn preferred_segments(paths: &[PathShape], conn: usize) -> Vec<Seg> {
    let mut segs: Vec<(i64, usize, Seg)> = Vec::new();
    for p in paths.iter().filter(|p| p.conn == conn) {
        for w in p.points.windows(2) {
            let len = i64::from((w[1].0 - w[0].0).abs()) + i64::from((w[1].1 - w[0].1).abs());
            let bus_first = if p.bus { 0 } else { 1 };
            segs.push((len, bus_first, (w[0], w[1])));
        }
    }
    segs.sort_by_key(|s| (s.1, std::cmp::Reverse(s.0)));
    segs.into_iter().map(|s| s.2).collect()
}

struct Placer<'a> {
    boxes: Vec<Rect>,
    labels: Vec<Rect>,
    paths: &'a [PathShape],
}

impl Placer<'_> {
    fn free(&self, r: &Rect, conn: usize, avoid_lines: bool) -> bool {
        if r.y < TOP - 12 {
            return false;
        }
        if self.boxes.iter().any(|b| b.overlaps(r)) || self.labels.iter().any(|l| l.overlaps(r)) {
            return false;
        }
        if avoid_lines {
            for p in self.paths.iter().filter(|p| p.conn != conn) {
                if p.points.windows(2).any(|w| r.hits_segment(w[0], w[1])) {
                    return false;
                }
            }
        }
        true
    }

    fn place(&self, conn: usize, segs: &[Seg], w: i32, h: i32) -> (Rect, Option<[(i32, i32); 2]>) {
        const TS: [i32; 11] = [50, 40, 60, 30, 70, 20, 80, 25, 75, 15, 85];
        let at = |a: (i32, i32), b: (i32, i32), t: i32| -> (i32, i32) {
            (a.0 + (b.0 - a.0) * t / 100, a.1 + (b.1 - a.1) * t / 100)
        };
        let centred = |c: (i32, i32)| Rect::new(c.0 - w / 2, c.1 - h / 2, w, h);
        for avoid_lines in [true, false] {
            for &(a, b) in segs {
                for t in TS {
                    let r = centred(at(a, b, t));
                    if self.free(&r, conn, avoid_lines) {
                        return (r, None);
                    }
                }
            }
        }
        let anchor = segs.first().map(|&(a, b)| at(a, b, 50)).unwrap_or((0, TOP));
        let leader = |r: &Rect| Some([anchor, r.nearest(anchor)]);
        for avoid_lines in [true, false] {
            for radius in (8..=320).step_by(8) {
                let mut ring: Vec<(i32, i32)> = Vec::new();
                for d in (-radius..=radius).step_by(8) {
                    ring.push((d, radius));
                    ring.push((d, -radius));
                    ring.push((radius, d));
                    ring.push((-radius, d));
                }
                ring.sort_by_key(|&(dx, dy)| (dx.abs() + dy.abs(), dy, dx));
                for (dx, dy) in ring {
                    let r = centred((anchor.0 + dx, anchor.1 + dy));
                    if self.free(&r, conn, avoid_lines) {
                        return (r, leader(&r));
                    }
                }
            }
        }
        // Below everything there is always room.
        let floor = self
            .boxes
            .iter()
            .chain(self.labels.iter())
            .map(Rect::bottom)
            .chain(self.paths.iter().flat_map(|p| p.points.iter().map(|q| q.1)))
            .max()
            .unwrap_or(TOP);
        let r = Rect::new(anchor.0 - w / 2, floor + 12, w, h);
        (r, leader(&r))
    }
}

/// The legend: one entry per kind of thing the picture shows.
fn legend(p: &Picture, x0: i32, y0: i32, max_w: i32) -> Vec<LegendEntry> {
    let mut kinds: Vec<(Swatch, &str)> = Vec::new();
    if p.items.iter().any(|i| i.role == Role::Cpu) {
        kinds.push((Swatch::Cpu, "node with CPUs"));
    }
    for (k, name) in [
        (MemKind::Dram, "DRAM"),
        (MemKind::Hbm, "HBM"),
        (MemKind::Cxl, "CXL memory"),
    ] {
        if p.items
            .iter()
            .any(|i| i.memory.as_ref().is_some_and(|m| m.kind == k))
        {
            kinds.push((Swatch::Memory(k), name));
        }
    }
    if p.items.iter().any(|i| i.spm) {
        kinds.push((Swatch::Spm, "Specific Purpose Memory (E820 soft reserved)"));
    }
    if p.items.iter().any(|i| !i.caches.is_empty()) {
        kinds.push((Swatch::Cache, "memory-side cache"));
    }
    if p.items.iter().any(|i| i.role == Role::Device) {
        kinds.push((Swatch::Device, "device"));
    }
    if p.items
        .iter()
        .any(|i| !i.chips.is_empty() || i.generic_initiator)
    {
        kinds.push((Swatch::Initiator, "Generic Initiator node"));
    }
    let mut out = Vec::new();
    let (mut x, mut y) = (x0, y0);
    for (s, name) in kinds {
        let w = 28 + 6 + text_width(name, FONT) + 24;
        if x > x0 && x + w > x0 + max_w {
            x = x0;
            y += 24;
        }
        out.push(LegendEntry {
            swatch: s,
            rect: Rect::new(x, y, 28, 14),
            text: Text::new(x + 34, y + 12, name, FONT),
        });
        x += w;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_hit_rectangles() {
        let r = Rect::new(10, 10, 10, 10);
        assert!(r.hits_segment((0, 15), (30, 15)));
        assert!(!r.hits_segment((0, 5), (30, 5)));
        assert!(
            !r.hits_segment((0, 10), (30, 10)),
            "touching the edge is outside"
        );
        assert!(r.hits_segment((12, 12), (13, 13)), "inside");
        assert!(r.hits_segment((0, 0), (30, 30)));
    }

    #[test]
    fn tracks_share_levels_when_apart() {
        let t = assign_tracks(&[(0, 100, 0), (50, 200, 1), (130, 300, 2)]);
        assert_eq!(t[&0], 0);
        assert_eq!(t[&1], 1);
        assert_eq!(t[&2], 0);
    }

    #[test]
    fn gutters_avoid_boxes() {
        let blocked = [Rect::new(0, 0, 100, 10)];
        let g = find_gutter(50, &blocked, &[]);
        assert!(!(-14..=114).contains(&g), "{g}");
    }
}
