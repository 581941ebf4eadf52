//! One list model for every list screen: the selected row and the first row shown, moved by
//! the list actions, where a page is the rows that fit (set from the layout, not a guess).
//! Drawing asks it for the first row to show in the rows it has, or for ratatui's
//! `TableState`.

use crate::console::keys::Action;
use ratatui::layout::{Margin, Rect};
use ratatui::widgets::TableState;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListCursor {
    selected: usize,
    offset: usize,
    /// Rows that fit on screen (PgUp/PgDn move this many); 0 until the layout says.
    page: usize,
    /// Where the rows are drawn, for clicks; empty until the layout says.
    rows: Rect,
}

/// The rows a table drawn in `area` shows: all but its borders and its header row.
pub fn rows_fit(area: Rect) -> usize {
    area.height.saturating_sub(3) as usize
}

/// What a click did to a list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Click {
    /// It was not on a row.
    Missed,
    /// It selected another row.
    Moved,
    /// It was on the row already selected: open it.
    Again,
}

/// Rows a page moves before the layout has said how many fit.
const DEFAULT_PAGE: usize = 10;

impl ListCursor {
    pub fn selected(&self) -> usize {
        self.selected
    }

    /// Rows a page moves.
    pub fn page(&self) -> usize {
        if self.page == 0 {
            DEFAULT_PAGE
        } else {
            self.page
        }
    }

    /// How many rows fit on screen, from the same layout the draw uses.
    pub fn set_page(&mut self, rows: usize, len: usize) {
        self.page = rows.max(1);
        self.scroll_into_view(len);
    }

    /// The list is a table drawn in `area` with borders and one header row; `len` rows.
    pub fn set_table(&mut self, area: Rect, len: usize) {
        let inner = area.inner(Margin::new(1, 1));
        self.rows = Rect {
            y: inner.y.saturating_add(1),
            height: inner.height.saturating_sub(1),
            ..inner
        };
        self.set_page(rows_fit(area), len);
    }

    /// A click at `column`, `row` (of the frame) on a list of `len` rows.
    pub fn click(&mut self, column: u16, row: u16, len: usize) -> Click {
        let r = self.rows;
        let inside = (r.x..r.x.saturating_add(r.width)).contains(&column)
            && (r.y..r.y.saturating_add(r.height)).contains(&row);
        if !inside {
            return Click::Missed;
        }
        let pos = self.offset(r.height as usize) + (row - r.y) as usize;
        if pos >= len {
            Click::Missed
        } else if pos == self.selected {
            Click::Again
        } else {
            self.select(pos, len);
            Click::Moved
        }
    }

    /// Selects row `pos` of `len` (clamped), scrolling it into view.
    pub fn select(&mut self, pos: usize, len: usize) {
        self.selected = pos.min(len.saturating_sub(1));
        self.scroll_into_view(len);
    }

    /// Back to the first row.
    pub fn reset(&mut self) {
        self.selected = 0;
        self.offset = 0;
    }

    /// Where a list action goes in a list of `len` rows; `None` when it is not one.
    pub fn target(&self, action: Action, len: usize) -> Option<usize> {
        let last = len.saturating_sub(1);
        Some(match action {
            Action::Up => self.selected.saturating_sub(1),
            Action::Down => (self.selected + 1).min(last),
            Action::Top => 0,
            Action::Bottom => last,
            Action::PageUp => self.selected.saturating_sub(self.page()),
            Action::PageDown => self.selected.saturating_add(self.page()).min(last),
            _ => return None,
        })
    }

    /// Moves by a list action; false when `action` is not one.
    pub fn on_action(&mut self, action: Action, len: usize) -> bool {
        match self.target(action, len) {
            Some(pos) => {
                self.select(pos, len);
                true
            }
            None => false,
        }
    }

    fn scroll_into_view(&mut self, len: usize) {
        let page = self.page();
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + page {
            self.offset = self.selected + 1 - page;
        }
        self.offset = self.offset.min(len.saturating_sub(page));
    }

    /// The first row to draw in `rows` rows so that the selection shows.
    pub fn offset(&self, rows: usize) -> usize {
        let rows = rows.max(1);
        if self.selected < self.offset {
            self.selected
        } else if self.selected >= self.offset + rows {
            self.selected + 1 - rows
        } else {
            self.offset
        }
    }

    /// The cursor as ratatui's `TableState`, for a table drawn in `rows` rows.
    pub fn table_state(&self, rows: usize) -> TableState {
        TableState::default()
            .with_offset(self.offset(rows))
            .with_selected(Some(self.selected))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_the_rows_that_fit_and_the_selection_stays_in_view() {
        let mut c = ListCursor::default();
        c.set_page(5, 100);
        assert!(c.on_action(Action::PageDown, 100));
        assert_eq!(c.selected(), 5);
        assert_eq!(c.offset(5), 1, "the selection is the last row shown");
        c.on_action(Action::Up, 100);
        assert_eq!(c.offset(5), 1, "moving up inside the page does not scroll");
        c.on_action(Action::Bottom, 100);
        assert_eq!((c.selected(), c.offset(5)), (99, 95));
        c.on_action(Action::Top, 100);
        assert_eq!((c.selected(), c.offset(5)), (0, 0));
        assert!(!c.on_action(Action::Open, 100));
        // A list that shrank: the selection comes back inside it.
        c.select(50, 10);
        assert_eq!(c.selected(), 9);
        // Nothing to select in an empty list.
        c.select(3, 0);
        assert_eq!(c.selected(), 0);
        assert_eq!(c.table_state(5).selected(), Some(0));
    }

    /// A table at (2, 3), 20 wide and 8 high: borders and a header leave 5 rows, from
    /// y = 5 to 9, x = 3 to 20.
    #[test]
    fn a_click_selects_the_row_under_it_and_a_second_click_opens_it() {
        let mut c = ListCursor::default();
        c.set_table(Rect::new(2, 3, 20, 8), 100);
        assert_eq!(c.page(), 5);
        assert_eq!(
            c.click(3, 5, 100),
            Click::Again,
            "row 0 is selected already"
        );
        assert_eq!(c.click(10, 7, 100), Click::Moved);
        assert_eq!(c.selected(), 2);
        assert_eq!(c.click(10, 7, 100), Click::Again);
        for (x, y) in [(10, 4), (10, 10), (2, 6), (21, 6)] {
            assert_eq!(
                c.click(x, y, 100),
                Click::Missed,
                "({x}, {y}): header or border"
            );
        }
        // Scrolled: the first row shown is row 10.
        c.select(14, 100);
        assert_eq!(c.click(3, 5, 100), Click::Moved);
        assert_eq!(c.selected(), 10);
        // Below the last row of a short list.
        c.set_table(Rect::new(2, 3, 20, 8), 2);
        assert_eq!(c.click(3, 8, 2), Click::Missed);
    }
}
