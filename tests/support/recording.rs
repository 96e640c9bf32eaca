// Shared by several test binaries.
#![allow(dead_code)]

//! A TestBackend that records every frame, for tests that watch the loop
//! draw while it runs.

use std::sync::{Arc, Mutex};

use mops::terminal::SyncOutput;
use ratatui::backend::{Backend, ClearType, TestBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};

/// A TestBackend that keeps the text of every frame it is flushed with.
pub struct Recording {
    pub inner: TestBackend,
    pub frames: Arc<Mutex<Vec<String>>>,
}

impl Backend for Recording {
    type Error = <TestBackend as Backend>::Error;
    fn draw<'a, I>(&mut self, content: I) -> Result<(), Self::Error>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        self.inner.draw(content)
    }
    fn hide_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.hide_cursor()
    }
    fn show_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.show_cursor()
    }
    fn get_cursor_position(&mut self) -> Result<Position, Self::Error> {
        self.inner.get_cursor_position()
    }
    fn set_cursor_position<P: Into<Position>>(&mut self, p: P) -> Result<(), Self::Error> {
        self.inner.set_cursor_position(p)
    }
    fn clear(&mut self) -> Result<(), Self::Error> {
        self.inner.clear()
    }
    fn clear_region(&mut self, t: ClearType) -> Result<(), Self::Error> {
        self.inner.clear_region(t)
    }
    fn size(&self) -> Result<Size, Self::Error> {
        self.inner.size()
    }
    fn window_size(&mut self) -> Result<WindowSize, Self::Error> {
        self.inner.window_size()
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        let buf = self.inner.buffer();
        let mut text = String::new();
        for y in 0..buf.area.height {
            for x in 0..buf.area.width {
                text.push_str(buf[(x, y)].symbol());
            }
            text.push('\n');
        }
        self.frames.lock().unwrap().push(text);
        self.inner.flush()
    }
}

impl SyncOutput for Recording {
    fn begin_frame(&mut self) -> std::io::Result<()> {
        Ok(())
    }
    fn end_frame(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Recording {
    pub fn new(w: u16, h: u16) -> (Recording, Arc<Mutex<Vec<String>>>) {
        let frames = Arc::new(Mutex::new(Vec::new()));
        let r = Recording {
            inner: TestBackend::new(w, h),
            frames: frames.clone(),
        };
        (r, frames)
    }
}
