//! The Stats tab: counts by status, active users, MFA adoption, and pictures where people
//! would rather look than read: sign-ups per day or week (a bar chart), the providers
//! breakdown (horizontal bars) and last sign-ins per day (a sparkline). The figures are an
//! [`ops::stats::Stats`](crate::ops::stats::Stats): counted by the app from the users it
//! holds (marked partial when that is not everyone), or read from the database.

use crate::console::command::{ApiCall, ApiReply, Pending, RequestId};
use crate::console::keys::{Action, Context};
use crate::console::screens::{Ctx, Effect, Screen, View};
use crate::console::widgets::{theme, thousands};
use crate::gotrue::GoTrueError;
use crate::ops::stats::{Source, Stats};
use ratatui::Frame;
use ratatui::layout::{Constraint, Direction, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, BarGroup, Block, Borders, Paragraph, Sparkline};

#[derive(Default)]
pub struct StatsScreen {
    stats: Option<Stats>,
    /// Sign-ups per week rather than per day (`t`).
    weekly: bool,
    /// The figures come from the database (SQL over every user), not the rows held.
    database: bool,
    /// The count in the database in flight.
    pending: Option<Pending<Box<Stats>>>,
    /// Why the last count in the database failed.
    failed: Option<GoTrueError>,
}

impl StatsScreen {
    /// Counted in the database when `database`, else from the users the list holds.
    pub fn new(database: bool) -> Self {
        Self {
            database,
            ..Self::default()
        }
    }

    /// Counts again: in the database (one scan of `auth.users`, so only when asked: the
    /// first time the tab is shown, and `R`), or from the rows held (cheap, each time).
    fn recount(&mut self, ctx: &mut Ctx) {
        if !self.database {
            ctx.effect(Effect::CountStats);
            return;
        }
        if self.pending.is_none() {
            self.pending = Some(ctx.send(ApiCall::DbStats { now: ctx.now }));
        }
    }

    pub fn stats(&self) -> Option<&Stats> {
        self.stats.as_ref()
    }

    pub fn set(&mut self, stats: Stats) {
        self.stats = Some(stats);
    }

    /// Why the last count in the database failed, while it stands.
    pub fn failure(&self) -> Option<&GoTrueError> {
        self.failed.as_ref()
    }

    pub fn is_weekly(&self) -> bool {
        self.weekly
    }
}

fn n(v: u64) -> String {
    thousands(v)
}

fn source_line(s: &Stats) -> Line<'static> {
    match &s.source {
        Source::Database => Line::styled(
            format!(
                "from the database: every user, as of {} UTC (R counts again)",
                s.as_of.format("%H:%M")
            ),
            theme::ok(),
        ),
        Source::Held { held, total } => {
            let of = match total {
                Some(t) if *t > *held => format!(" of {}", n(*t)),
                _ => String::new(),
            };
            if s.source.is_partial() {
                Line::styled(
                    format!(
                        "PARTIAL: the {} users held{of} (L on Users loads all)",
                        n(*held)
                    ),
                    theme::warn(),
                )
            } else {
                Line::styled(
                    format!("counted from all {} users (loaded)", n(*held)),
                    theme::dim(),
                )
            }
        }
    }
}

fn counts(s: &Stats) -> Vec<Line<'static>> {
    let item = |label: &str, v: u64| {
        vec![
            Span::styled(format!("{label} "), theme::dim()),
            Span::styled(n(v), theme::title()),
            Span::raw("  "),
        ]
    };
    let mut first = Vec::new();
    for (label, v) in [
        ("users", s.users),
        ("unconfirmed", s.unconfirmed),
        ("invited", s.invited),
        ("banned", s.banned),
        ("anonymous", s.anonymous),
        ("SSO", s.sso),
        ("deleted", s.deleted),
    ] {
        first.extend(item(label, v));
    }
    let mut second = Vec::new();
    for (label, v) in [
        ("active 24 h", s.dau),
        ("7 days", s.wau),
        ("30 days", s.mau),
    ] {
        second.extend(item(label, v));
    }
    second.push(Span::styled("MFA ", theme::dim()));
    second.push(Span::raw(match s.mfa_share() {
        Some(share) => format!(
            "{:.0}% ({} of {} who can sign in)",
            share * 100.0,
            n(s.mfa),
            n(s.users.saturating_sub(s.anonymous))
        ),
        None => "—".into(),
    }));
    vec![Line::from(first), Line::from(second)]
}

impl Screen for StatsScreen {
    fn on_show(&mut self, ctx: &mut Ctx) {
        if !self.database || (self.stats.is_none() && self.failed.is_none()) {
            self.recount(ctx);
        }
    }

    fn on_reply(&mut self, id: RequestId, result: Result<ApiReply, GoTrueError>, _: &mut Ctx) {
        let Some(pending) = self.pending.take_if(|p| p.is(id)) else {
            return;
        };
        match pending.read(result) {
            Ok(stats) => {
                self.stats = Some(*stats);
                self.failed = None;
            }
            Err(e) => self.failed = Some(e),
        }
    }

    fn context(&self) -> Context {
        Context::Stats
    }

    fn on_action(&mut self, action: Action, ctx: &mut Ctx) -> bool {
        match action {
            Action::Refresh => self.recount(ctx),
            Action::NextMode => self.weekly = !self.weekly,
            _ => return false,
        }
        true
    }

    fn draw(&self, frame: &mut Frame, area: Rect, _view: &View) {
        // No frame of its own: the tab bar names it, and each chart has its box.
        let mut area = area;
        if let Some(e) = &self.failed {
            let [top, rest] =
                Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
            frame.render_widget(
                Paragraph::new(Line::styled(
                    format!("Counting in the database failed: {e} (R tries again)"),
                    theme::danger(),
                )),
                top,
            );
            area = rest;
        }
        let Some(s) = &self.stats else {
            if self.failed.is_none() {
                let what = if self.database {
                    "Counting every user in the database…"
                } else {
                    "Counting…"
                };
                frame.render_widget(Paragraph::new(what), area);
            }
            return;
        };
        let inner = area;
        let wide = inner.width >= 100;
        let tall = inner.height >= 30;
        let providers_rows =
            (s.providers.len().clamp(1, if wide || tall { 8 } else { 4 }) as u16) + 2;
        let mut lines = vec![source_line(s)];
        lines.extend(counts(s));
        let width = usize::from(inner.width.max(1));
        let head_rows: usize = lines.iter().map(|l| l.width().div_ceil(width).max(1)).sum();
        let [head, charts, spark] = Layout::vertical([
            Constraint::Length(head_rows as u16),
            Constraint::Fill(1),
            Constraint::Length(if tall { 6 } else { 4 }),
        ])
        .areas(inner);
        frame.render_widget(
            Paragraph::new(lines).wrap(ratatui::widgets::Wrap { trim: true }),
            head,
        );
        let (signups_area, providers_area) = if wide {
            let [a, b] =
                Layout::horizontal([Constraint::Fill(3), Constraint::Fill(2)]).areas(charts);
            (a, b)
        } else {
            let [a, b] =
                Layout::vertical([Constraint::Fill(1), Constraint::Length(providers_rows)])
                    .areas(charts);
            (a, b)
        };
        self.draw_signups(frame, signups_area, s);
        draw_providers(frame, providers_area, s);
        draw_sign_ins(frame, spark, s);
    }
}

impl StatsScreen {
    fn draw_signups(&self, frame: &mut Frame, area: Rect, s: &Stats) {
        let (series, per) = if self.weekly {
            (&s.signups_weekly, "week")
        } else {
            (&s.signups_daily, "day")
        };
        let total: u64 = series.iter().map(|d| d.1).sum();
        let busiest = series.iter().max_by_key(|d| d.1).filter(|d| d.1 > 0);
        let mut title = format!(" Sign-ups per {per}, ");
        if s.signups_until < s.as_of.date_naive() {
            title.push_str(&format!(
                "{} {per}s to {} (newest): ",
                series.len(),
                s.signups_until.format("%Y-%m-%d")
            ));
        } else {
            title.push_str(&format!("last {} {per}s: ", series.len()));
        }
        title.push_str(&n(total));
        if let Some((day, v)) = busiest {
            title.push_str(&format!(", most {} {}", n(*v), day.format("%b %-d")));
        }
        title.push(' ');
        let block = Block::default()
            .borders(Borders::ALL)
            .title(Span::styled(title, theme::accent()));
        let inner = block.inner(area);
        let count = series.len().max(1) as u16;
        // As wide as the room allows: 1 column and a gap each at least.
        let width = ((inner.width.saturating_sub(count)) / count).clamp(1, 5);
        let bars: Vec<Bar> = series
            .iter()
            .map(|(_, v)| {
                Bar::default()
                    .value(*v)
                    .text_value(if width >= 3 && *v > 0 {
                        v.to_string()
                    } else {
                        String::new()
                    })
            })
            .collect();
        let first = series.first().map(|d| d.0.format("%b %-d").to_string());
        let last = series.last().map(|d| d.0.format("%b %-d").to_string());
        let [chart, axis] =
            Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(inner);
        frame.render_widget(block, area);
        frame.render_widget(
            BarChart::default()
                .data(BarGroup::default().bars(&bars))
                .bar_width(width)
                .bar_gap(1)
                .bar_style(theme::accent()),
            chart,
        );
        if let (Some(first), Some(last)) = (first, last) {
            let used = (count * (width + 1)).min(axis.width) as usize;
            let pad = used.saturating_sub(first.len() + last.len());
            frame.render_widget(
                Paragraph::new(Line::styled(
                    format!("{first}{}{last}", " ".repeat(pad)),
                    theme::dim(),
                )),
                axis,
            );
        }
    }
}

fn draw_providers(frame: &mut Frame, area: Rect, s: &Stats) {
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(" Providers ", theme::accent()));
    let rows = area.height.saturating_sub(2) as usize;
    let total = s.users.max(1);
    let shown = &s.providers[..s.providers.len().min(rows.max(1))];
    let name_w = shown
        .iter()
        .map(|(p, _)| p.chars().count())
        .max()
        .unwrap_or(0);
    let count_w = shown.iter().map(|(_, v)| n(*v).len()).max().unwrap_or(0);
    let bars: Vec<Bar> = shown
        .iter()
        .map(|(name, v)| {
            let pct = *v as f64 * 100.0 / total as f64;
            Bar::default()
                .label(Line::from(format!(
                    "{name:<name_w$} {:>count_w$} {pct:>3.0}%",
                    n(*v)
                )))
                .value(*v)
                .text_value(String::new())
        })
        .collect();
    if bars.is_empty() {
        frame.render_widget(Paragraph::new("no identities").block(block), area);
        return;
    }
    frame.render_widget(
        BarChart::default()
            .block(block)
            .direction(Direction::Horizontal)
            .data(BarGroup::default().bars(&bars))
            .bar_width(1)
            .bar_gap(0)
            .bar_style(theme::accent()),
        area,
    );
}

fn draw_sign_ins(frame: &mut Frame, area: Rect, s: &Stats) {
    let values: Vec<u64> = s.last_sign_in_daily.iter().map(|d| d.1).collect();
    let total: u64 = values.iter().sum();
    // Each day as wide as the room allows, so the line spans the box.
    let per = (usize::from(area.width.saturating_sub(2)) / values.len().max(1)).max(1);
    let stretched: Vec<u64> = values
        .iter()
        .flat_map(|v| std::iter::repeat_n(*v, per))
        .collect();
    let when = if s.sign_ins_until < s.as_of.date_naive() {
        format!(
            "{} days to {} (newest)",
            values.len(),
            s.sign_ins_until.format("%Y-%m-%d")
        )
    } else {
        format!("last {} days", values.len())
    };
    let block = Block::default().borders(Borders::ALL).title(Span::styled(
        format!(" Last sign-ins per day, {when}: {} ", n(total)),
        theme::accent(),
    ));
    frame.render_widget(
        Sparkline::default()
            .block(block)
            .data(&stretched)
            .style(theme::accent()),
        area,
    );
}
