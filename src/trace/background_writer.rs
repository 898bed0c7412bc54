//! Writes a trace file's chunks on a thread of their own, so the simulation
//! does not wait while the kernel copies them into the page cache.
//!
//! Only the bytes' journey changes, never the bytes: chunks are written in
//! the order they were handed over, by one thread, and the trace is complete
//! once [`BackgroundWriter::finish`] (or dropping the writer) returns.
//!
//! The caller fills a chunk of about [`CHUNK`] bytes and hands the buffer
//! itself over, getting back one the thread has finished with: no copy. (Small
//! chunks cost more in hand-overs than they save; copying lines from a small
//! buffer into big chunks costs the copy.) At most [`DEPTH`] chunks wait at a
//! time; a simulation that outruns the disk waits for it, so memory stays
//! bounded (a few chunks) whatever the trace's length.
//!
//! A write error stops the writing (later chunks are thrown away, as the
//! synchronous writer skips them) and is returned by `finish`; the run goes
//! on, and its caller reports the error when the run ends.

use std::io::{self, Write};
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError};
use std::thread::JoinHandle;

/// Bytes to gather before handing them to the thread.
pub const CHUNK: usize = 1 << 20;

/// Chunks that may wait for the writing thread.
const DEPTH: usize = 2;

pub struct BackgroundWriter {
    /// Chunks to write (None once finished).
    chunks: Option<SyncSender<Vec<u8>>>,
    /// Written chunks, emptied, to fill again.
    spare: Receiver<Vec<u8>>,
    thread: Option<JoinHandle<io::Result<()>>>,
}

impl BackgroundWriter {
    /// Starts the writing thread; gives `w` back if no thread can be started.
    pub fn spawn(w: Box<dyn Write + Send>) -> Result<BackgroundWriter, Box<dyn Write + Send>> {
        let (chunks, to_write) = std::sync::mpsc::sync_channel::<Vec<u8>>(DEPTH);
        let (give_back, spare) = std::sync::mpsc::channel::<Vec<u8>>();
        // The writer follows the thread only once it has started, so a thread
        // that cannot start leaves it here.
        let (hand_over, writer) = std::sync::mpsc::channel::<Box<dyn Write + Send>>();
        let started = std::thread::Builder::new()
            .name("trace-writer".into())
            .spawn(move || {
                let Ok(mut w) = writer.recv() else {
                    return Ok(());
                };
                let mut result = Ok(());
                for mut chunk in to_write {
                    if result.is_ok() {
                        result = w.write_all(&chunk);
                    }
                    chunk.clear();
                    // The simulation may have finished and stopped taking spares.
                    let _ = give_back.send(chunk);
                }
                result.and_then(|()| w.flush())
            });
        let Ok(thread) = started else {
            return Err(w);
        };
        // The thread waits on this channel, so the send cannot fail.
        let _ = hand_over.send(w);
        Ok(BackgroundWriter {
            chunks: Some(chunks),
            spare,
            thread: Some(thread),
        })
    }

    /// Hands the bytes in `chunk` to the thread (waiting while DEPTH chunks
    /// already wait) and leaves an empty buffer in their place.
    pub fn hand_over(&mut self, chunk: &mut Vec<u8>) {
        let spare = match self.spare.try_recv() {
            Ok(buf) => buf,
            Err(TryRecvError::Empty | TryRecvError::Disconnected) => {
                Vec::with_capacity(chunk.capacity())
            }
        };
        let full = std::mem::replace(chunk, spare);
        if let Some(chunks) = &self.chunks {
            // A send fails only if the thread has ended, which it does only
            // when the channel closes: the chunk is then thrown away.
            let _ = chunks.send(full);
        }
    }

    /// Waits until every byte is written and flushed; the first error, if any.
    pub fn finish(&mut self) -> io::Result<()> {
        self.chunks = None;
        match self.thread.take() {
            Some(thread) => thread
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("the trace-writing thread failed"))),
            None => Ok(()),
        }
    }
}

impl Drop for BackgroundWriter {
    /// A trace is never left half-written: dropping waits for the thread.
    fn drop(&mut self) {
        let _ = self.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// A writer whose bytes the test can read afterwards.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn chunks_arrive_whole_and_in_order() {
        let shared = Shared::default();
        let mut w = BackgroundWriter::spawn(Box::new(shared.clone()))
            .ok()
            .unwrap();
        let mut expected = Vec::new();
        let mut chunk = Vec::new();
        // Several chunks' worth, in pieces that do not divide them.
        for k in 0..400_000u32 {
            let line = format!("line {k}\n");
            expected.extend_from_slice(line.as_bytes());
            chunk.extend_from_slice(line.as_bytes());
            if chunk.len() >= CHUNK {
                w.hand_over(&mut chunk);
                assert!(chunk.is_empty(), "the buffer given back is empty");
            }
        }
        assert!(expected.len() > 4 * CHUNK);
        w.hand_over(&mut chunk);
        w.finish().unwrap();
        assert_eq!(*shared.0.lock().unwrap(), expected);
    }

    struct Full;

    impl Write for Full {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::new(io::ErrorKind::StorageFull, "no space left"))
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn the_first_write_error_comes_back_from_finish() {
        let mut w = BackgroundWriter::spawn(Box::new(Full)).ok().unwrap();
        for _ in 0..10 {
            w.hand_over(&mut vec![b'x'; 100]);
        }
        let e = w.finish().unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::StorageFull);
        assert!(
            w.finish().is_ok(),
            "a second finish has nothing left to report"
        );
    }

    #[test]
    fn dropping_the_writer_writes_everything() {
        let shared = Shared::default();
        {
            let mut w = BackgroundWriter::spawn(Box::new(shared.clone()))
                .ok()
                .unwrap();
            w.hand_over(&mut b"abc".to_vec());
            w.hand_over(&mut b"def".to_vec());
        }
        assert_eq!(*shared.0.lock().unwrap(), b"abcdef");
    }
}
