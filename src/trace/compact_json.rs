//! A JSON writer for trace lines that writes exactly what `serde_json`'s
//! compact writer writes, for the shapes trace events are made of, and
//! refuses the rest.
//!
//! Writing the trace used to cost several times the simulation itself, most of
//! it in `serde_json`'s general machinery: every key and string went through
//! its escaping routine byte by byte, and every token through `io::Write`.
//! Here a key or string with nothing to escape (nearly all of them) is copied
//! in one piece, and tokens go straight into the line's buffer.
//!
//! The output must stay byte-identical to `serde_json::to_writer` (golden
//! traces are compared byte by byte), so only what is plainly the same is
//! written here: booleans, integers up to 64 bits, strings, `null`, lists,
//! structs, enums and maps with string keys. Anything else — floats (whose
//! shortest form is `serde_json`'s business), 128-bit integers, byte strings,
//! maps with non-string keys — is refused with an error, and the caller
//! writes that line with `serde_json` instead.

use super::Event;
use serde::ser::{self, Serialize};
use std::fmt;

/// Writes `value` as compact JSON at the end of `out`. On `Err` the caller
/// must throw away what was appended (it is incomplete) and use `serde_json`.
pub fn write<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) -> Result<(), Refused> {
    value.serialize(&mut Writer { out })
}

/// A value this writer does not write the way `serde_json` does.
#[derive(Debug)]
pub struct Refused;

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a value left to serde_json")
    }
}

impl std::error::Error for Refused {}

impl ser::Error for Refused {
    fn custom<T: fmt::Display>(_msg: T) -> Refused {
        Refused
    }
}

/// Writes a trace event as its derived `Serialize` (tagged by `kind`, fields
/// in declared order) would, with the envelope of the events every run is
/// made of (sends, deliveries, drops, timers, writes, facts, replies) written
/// directly; the other events go through [`write`].
pub fn write_event<M, T, W>(out: &mut Vec<u8>, ev: &Event<'_, M, T, W>) -> Result<(), Refused>
where
    M: Serialize,
    T: Serialize,
    W: Serialize,
{
    match ev {
        Event::Send { mid, from, to, msg } => {
            out.extend_from_slice(b"{\"kind\":\"send\",\"mid\":");
            push_u64(out, mid.0);
            link(out, from, to);
            out.extend_from_slice(b",\"msg\":");
            write(out, *msg)?;
        }
        Event::Deliver { mid, from, to, .. } => {
            out.extend_from_slice(b"{\"kind\":\"deliver\",\"mid\":");
            push_u64(out, mid.0);
            link(out, from, to);
        }
        Event::Drop {
            mid,
            from,
            to,
            reason,
            ..
        } => {
            out.extend_from_slice(b"{\"kind\":\"drop\",\"mid\":");
            push_u64(out, mid.0);
            link(out, from, to);
            out.extend_from_slice(b",\"reason\":");
            write(out, reason)?;
        }
        Event::Duplicate { mid, copy } => {
            out.extend_from_slice(b"{\"kind\":\"duplicate\",\"mid\":");
            push_u64(out, mid.0);
            out.extend_from_slice(b",\"copy\":");
            push_u64(out, copy.0);
        }
        Event::Timer { node, timer } => {
            out.extend_from_slice(b"{\"kind\":\"timer\",\"node\":");
            push_str(out, node);
            out.extend_from_slice(b",\"timer\":");
            write(out, *timer)?;
        }
        Event::Persist { node, write: w } => {
            out.extend_from_slice(b"{\"kind\":\"persist\",\"node\":");
            push_str(out, node);
            out.extend_from_slice(b",\"write\":");
            write(out, *w)?;
        }
        Event::Fact { node, fact } => {
            out.extend_from_slice(b"{\"kind\":\"fact\",\"node\":");
            push_str(out, node);
            // Flattened: the fact's own object, its brace turned into a comma.
            let at = out.len();
            write(out, *fact)?;
            out[at] = b',';
            return Ok(());
        }
        Event::Reply {
            node,
            request,
            reply,
        } => {
            out.extend_from_slice(b"{\"kind\":\"reply\",\"node\":");
            push_str(out, node);
            out.extend_from_slice(b",\"request\":");
            push_u64(out, request.0);
            out.extend_from_slice(b",\"reply\":");
            write(out, *reply)?;
        }
        other => return write(out, other),
    }
    out.push(b'}');
    Ok(())
}

/// The start of a trace line, `{"t":T,"seq":S`, written from what the line
/// before it left: T is usually the same (an instant holds several events,
/// and the bytes are kept), S one more (counted up in its decimal digits).
/// Formatting numbers is a good part of a line's cost; this skips most of it.
#[derive(Default)]
pub struct LineStart {
    /// `{"t":T,"seq":` of the last line.
    t_part: Vec<u8>,
    t: Option<u64>,
    /// The last line's S in decimal.
    seq_digits: Vec<u8>,
    seq: Option<u64>,
}

impl LineStart {
    pub fn write(&mut self, out: &mut Vec<u8>, t: u64, seq: u64) {
        if self.t != Some(t) {
            self.t_part.clear();
            self.t_part.extend_from_slice(b"{\"t\":");
            push_u64(&mut self.t_part, t);
            self.t_part.extend_from_slice(b",\"seq\":");
            self.t = Some(t);
        }
        if self
            .seq
            .is_some_and(|last| last.checked_add(1) == Some(seq))
        {
            count_up(&mut self.seq_digits);
        } else {
            self.seq_digits.clear();
            push_u64(&mut self.seq_digits, seq);
        }
        self.seq = Some(seq);
        out.extend_from_slice(&self.t_part);
        put(out, &self.seq_digits);
    }
}

/// Adds one to a decimal number written in ASCII digits.
fn count_up(digits: &mut Vec<u8>) {
    for d in digits.iter_mut().rev() {
        if *d == b'9' {
            *d = b'0';
        } else {
            *d += 1;
            return;
        }
    }
    // All nines: 999 + 1 = 1000.
    digits.insert(0, b'1');
}

/// `,"from":..,"to":..` of a message event.
#[inline]
fn link(out: &mut Vec<u8>, from: &str, to: &str) {
    out.extend_from_slice(b",\"from\":");
    push_str(out, from);
    out.extend_from_slice(b",\"to\":");
    push_str(out, to);
}

struct Writer<'a> {
    out: &'a mut Vec<u8>,
}

/// Appends `s` as a JSON string, escaped as `serde_json` escapes it: in one
/// copy when nothing needs escaping (names, kinds, values: nearly always),
/// otherwise through `serde_json` itself.
#[inline]
fn push_str(out: &mut Vec<u8>, s: &str) {
    if s.bytes().any(|b| b < 0x20 || b == b'"' || b == b'\\') {
        serde_json::to_writer(&mut *out, s).expect("a string serialises");
        return;
    }
    out.reserve(s.len() + 2);
    out.push(b'"');
    put(out, s.as_bytes());
    out.push(b'"');
}

/// Appends `bytes`. A trace line is dozens of short pieces (keys, names,
/// numbers); a piece of up to 16 bytes is copied with two overlapping
/// fixed-size moves the compiler writes inline, not a call into the C
/// library's memcpy, which costs more than the copy for a handful of bytes.
#[inline(always)]
fn put(out: &mut Vec<u8>, bytes: &[u8]) {
    let n = bytes.len();
    if n > 16 {
        out.extend_from_slice(bytes);
        return;
    }
    let at = out.len();
    out.extend_from_slice(&[0; 16]);
    let dst = &mut out[at..at + n];
    if n >= 8 {
        dst[..8].copy_from_slice(&bytes[..8]);
        dst[n - 8..].copy_from_slice(&bytes[n - 8..]);
    } else if n >= 4 {
        dst[..4].copy_from_slice(&bytes[..4]);
        dst[n - 4..].copy_from_slice(&bytes[n - 4..]);
    } else if n > 0 {
        // 1 to 3 bytes: the first, middle and last (some the same byte).
        dst[0] = bytes[0];
        dst[n / 2] = bytes[n / 2];
        dst[n - 1] = bytes[n - 1];
    }
    out.truncate(at + n);
}

/// Appends `n` in decimal, as `Display` writes it: two digits at a time into
/// a small array, then one copy.
#[inline]
pub fn push_u64(out: &mut Vec<u8>, mut n: u64) {
    const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
        2021222324252627282930313233343536373839\
        4041424344454647484950515253545556575859\
        6061626364656667686970717273747576777879\
        8081828384858687888990919293949596979899";
    if n < 10 {
        out.push(b'0' + n as u8);
        return;
    }
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    while n >= 100 {
        let pair = (n % 100) as usize * 2;
        n /= 100;
        i -= 2;
        digits[i..i + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
    }
    if n >= 10 {
        let pair = n as usize * 2;
        i -= 2;
        digits[i..i + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
    } else {
        i -= 1;
        digits[i] = b'0' + n as u8;
    }
    put(out, &digits[i..]);
}

#[inline]
fn push_i64(out: &mut Vec<u8>, n: i64) {
    if n < 0 {
        out.push(b'-');
    }
    push_u64(out, n.unsigned_abs());
}

impl<'a, 'b> ser::Serializer for &'b mut Writer<'a> {
    type Ok = ();
    type Error = Refused;
    type SerializeSeq = Compound<'a, 'b>;
    type SerializeTuple = Compound<'a, 'b>;
    type SerializeTupleStruct = Compound<'a, 'b>;
    type SerializeTupleVariant = Compound<'a, 'b>;
    type SerializeMap = Compound<'a, 'b>;
    type SerializeStruct = Compound<'a, 'b>;
    type SerializeStructVariant = Compound<'a, 'b>;

    fn serialize_bool(self, v: bool) -> Result<(), Refused> {
        self.out
            .extend_from_slice(if v { b"true" } else { b"false" });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result<(), Refused> {
        self.serialize_i64(v.into())
    }
    fn serialize_i16(self, v: i16) -> Result<(), Refused> {
        self.serialize_i64(v.into())
    }
    fn serialize_i32(self, v: i32) -> Result<(), Refused> {
        self.serialize_i64(v.into())
    }
    fn serialize_i64(self, v: i64) -> Result<(), Refused> {
        push_i64(self.out, v);
        Ok(())
    }
    fn serialize_u8(self, v: u8) -> Result<(), Refused> {
        self.serialize_u64(v.into())
    }
    fn serialize_u16(self, v: u16) -> Result<(), Refused> {
        self.serialize_u64(v.into())
    }
    fn serialize_u32(self, v: u32) -> Result<(), Refused> {
        self.serialize_u64(v.into())
    }
    fn serialize_u64(self, v: u64) -> Result<(), Refused> {
        push_u64(self.out, v);
        Ok(())
    }
    fn serialize_i128(self, _: i128) -> Result<(), Refused> {
        Err(Refused)
    }
    fn serialize_u128(self, _: u128) -> Result<(), Refused> {
        Err(Refused)
    }
    fn serialize_f32(self, _: f32) -> Result<(), Refused> {
        Err(Refused)
    }
    fn serialize_f64(self, _: f64) -> Result<(), Refused> {
        Err(Refused)
    }
    fn serialize_char(self, v: char) -> Result<(), Refused> {
        push_str(self.out, v.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), Refused> {
        push_str(self.out, v);
        Ok(())
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), Refused> {
        Err(Refused)
    }
    fn serialize_none(self) -> Result<(), Refused> {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Refused> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Refused> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Refused> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Refused> {
        push_str(self.out, variant);
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Refused> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Refused> {
        self.out.push(b'{');
        push_str(self.out, variant);
        self.out.push(b':');
        value.serialize(&mut *self)?;
        self.out.push(b'}');
        Ok(())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Compound<'a, 'b>, Refused> {
        self.out.push(b'[');
        Ok(Compound {
            writer: self,
            first: true,
            close: b"]",
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<Compound<'a, 'b>, Refused> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        len: usize,
    ) -> Result<Compound<'a, 'b>, Refused> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Compound<'a, 'b>, Refused> {
        self.out.push(b'{');
        push_str(self.out, variant);
        self.out.extend_from_slice(b":[");
        Ok(Compound {
            writer: self,
            first: true,
            close: b"]}",
        })
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Compound<'a, 'b>, Refused> {
        self.out.push(b'{');
        Ok(Compound {
            writer: self,
            first: true,
            close: b"}",
        })
    }
    fn serialize_struct(self, _: &'static str, len: usize) -> Result<Compound<'a, 'b>, Refused> {
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Compound<'a, 'b>, Refused> {
        self.out.push(b'{');
        push_str(self.out, variant);
        self.out.extend_from_slice(b":{");
        Ok(Compound {
            writer: self,
            first: true,
            close: b"}}",
        })
    }
}

/// A list, map or struct being written: a comma before every element but the
/// first, then its closing bracket(s).
pub struct Compound<'a, 'b> {
    writer: &'b mut Writer<'a>,
    first: bool,
    close: &'static [u8],
}

impl Compound<'_, '_> {
    #[inline]
    fn comma(&mut self) {
        if self.first {
            self.first = false;
        } else {
            self.writer.out.push(b',');
        }
    }

    #[inline]
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Refused> {
        self.comma();
        value.serialize(&mut *self.writer)
    }

    #[inline]
    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), Refused> {
        self.comma();
        push_str(self.writer.out, key);
        self.writer.out.push(b':');
        value.serialize(&mut *self.writer)
    }

    #[inline]
    fn end(self) -> Result<(), Refused> {
        self.writer.out.extend_from_slice(self.close);
        Ok(())
    }
}

impl ser::SerializeSeq for Compound<'_, '_> {
    type Ok = ();
    type Error = Refused;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Refused> {
        self.element(value)
    }
    fn end(self) -> Result<(), Refused> {
        Compound::end(self)
    }
}

impl ser::SerializeTuple for Compound<'_, '_> {
    type Ok = ();
    type Error = Refused;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Refused> {
        self.element(value)
    }
    fn end(self) -> Result<(), Refused> {
        Compound::end(self)
    }
}

impl ser::SerializeTupleStruct for Compound<'_, '_> {
    type Ok = ();
    type Error = Refused;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Refused> {
        self.element(value)
    }
    fn end(self) -> Result<(), Refused> {
        Compound::end(self)
    }
}

impl ser::SerializeTupleVariant for Compound<'_, '_> {
    type Ok = ();
    type Error = Refused;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Refused> {
        self.element(value)
    }
    fn end(self) -> Result<(), Refused> {
        Compound::end(self)
    }
}

impl ser::SerializeMap for Compound<'_, '_> {
    type Ok = ();
    type Error = Refused;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Refused> {
        self.comma();
        key.serialize(KeyWriter {
            out: &mut *self.writer.out,
        })?;
        self.writer.out.push(b':');
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Refused> {
        value.serialize(&mut *self.writer)
    }
    fn end(self) -> Result<(), Refused> {
        Compound::end(self)
    }
}

impl ser::SerializeStruct for Compound<'_, '_> {
    type Ok = ();
    type Error = Refused;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Refused> {
        self.field(key, value)
    }
    fn end(self) -> Result<(), Refused> {
        Compound::end(self)
    }
}

impl ser::SerializeStructVariant for Compound<'_, '_> {
    type Ok = ();
    type Error = Refused;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Refused> {
        self.field(key, value)
    }
    fn end(self) -> Result<(), Refused> {
        Compound::end(self)
    }
}

/// A map key: only strings (and what serialises as one) are written here.
struct KeyWriter<'a> {
    out: &'a mut Vec<u8>,
}

impl ser::Serializer for KeyWriter<'_> {
    type Ok = ();
    type Error = Refused;
    type SerializeSeq = ser::Impossible<(), Refused>;
    type SerializeTuple = ser::Impossible<(), Refused>;
    type SerializeTupleStruct = ser::Impossible<(), Refused>;
    type SerializeTupleVariant = ser::Impossible<(), Refused>;
    type SerializeMap = ser::Impossible<(), Refused>;
    type SerializeStruct = ser::Impossible<(), Refused>;
    type SerializeStructVariant = ser::Impossible<(), Refused>;

    fn serialize_str(self, v: &str) -> Result<(), Refused> {
        push_str(self.out, v);
        Ok(())
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Refused> {
        push_str(self.out, variant);
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Refused> {
        value.serialize(self)
    }
    fn serialize_bool(self, _: bool) -> Result<(), Refused> {
        Err(Refused)
    }
    fn serialize_i8(self, _: i8) -> Result<(), Refused> {
        Err(Refused)
    }
    fn serialize_i16(self, _: i16) -> Result<(), Refused> {
        Err(Refused)
    }
    fn serialize_i32(self, _: i32) -> Result<(), Refused> {
        Err(Refused)
    }
    fn serialize_i64(self, _: i64) -> Result<(), Refused> {
        Err(Refused)
    }
    fn serialize_u8(self, _: u8) -> Result<(), Refused> {
        Err(Refused)
    }
    fn serialize_u16(self, _: u16) -> Result<(), Refused> {
        Err(Refused)
    }
    fn serialize_u32(self, _: u32) -> Result<(), Refused> {
        Err(Refused)
    }
    fn serialize_u64(self, _: u64) -> Result<(), Refused> {
        Err(Refused)
    }
    fn serialize_f32(self, _: f32) -> Result<(), Refused> {
        Err(Refused)
    }
    fn serialize_f64(self, _: f64) -> Result<(), Refused> {
        Err(Refused)
    }
    fn serialize_char(self, _: char) -> Result<(), Refused> {
        Err(Refused)
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), Refused> {
        Err(Refused)
    }
    fn serialize_none(self) -> Result<(), Refused> {
        Err(Refused)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<(), Refused> {
        Err(Refused)
    }
    fn serialize_unit(self) -> Result<(), Refused> {
        Err(Refused)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Refused> {
        Err(Refused)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Refused> {
        Err(Refused)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Refused> {
        Err(Refused)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Refused> {
        Err(Refused)
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Refused> {
        Err(Refused)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Refused> {
        Err(Refused)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Refused> {
        Err(Refused)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Refused> {
        Err(Refused)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Refused> {
        Err(Refused)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;
    use std::collections::BTreeMap;

    fn same<T: Serialize>(value: &T) {
        let mut ours = Vec::new();
        write(&mut ours, value).expect("written here");
        let theirs = serde_json::to_vec(value).unwrap();
        assert_eq!(
            String::from_utf8(ours).unwrap(),
            String::from_utf8(theirs).unwrap()
        );
    }

    fn refused<T: Serialize>(value: &T) {
        assert!(write(&mut Vec::new(), value).is_err());
    }

    #[test]
    fn strings_and_numbers_of_every_length_match_serde_json() {
        // `put` copies 1-3, 4-7, 8-16 and longer pieces differently.
        let text = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH";
        for n in 0..=text.len() {
            same(&&text[..n]);
            same(&vec![&text[..n], &text[n / 2..]]);
        }
        let mut n = 1u64;
        for _ in 0..20 {
            for k in [n - 1, n, n + 1, n.saturating_mul(7) / 3] {
                same(&k);
            }
            n = n.saturating_mul(10);
        }
        same(&u64::MAX);
    }

    #[test]
    fn line_starts_match_plain_formatting_through_carries_jumps_and_rewinds() {
        let mut start = LineStart::default();
        // (t, seq): runs of one more, carries at 9, 99, 999 and u64::MAX's
        // neighbourhood, jumps, repeats and a step back (a cloned world
        // numbers on from where its original was).
        let mut cases: Vec<(u64, u64)> = (0..1200).map(|s| (s / 7, s)).collect();
        cases.extend([(5, 5), (5, 3), (6, 4), (0, 0), (10, 9), (10, 10)]);
        cases.extend((u64::MAX - 3..=u64::MAX).map(|s| (u64::MAX, s)));
        cases.extend([(1, 0), (1, 1), (99, 999_999), (99, 1_000_000)]);
        for (t, seq) in cases {
            let mut ours = Vec::new();
            start.write(&mut ours, t, seq);
            let plain = format!("{{\"t\":{t},\"seq\":{seq}");
            assert_eq!(String::from_utf8(ours).unwrap(), plain);
        }
    }

    #[derive(Serialize)]
    #[serde(rename_all = "snake_case")]
    enum Msg {
        Prepare {
            ballot: u64,
        },
        Promise {
            ballot: u64,
            accepted: Option<(u64, String)>,
        },
        Heartbeat,
        Wrapped(Vec<i32>),
        Pair(u8, bool),
    }

    #[derive(Serialize)]
    #[serde(tag = "fact", rename_all = "snake_case")]
    enum Tagged {
        Learned {
            value: String,
        },
        Applied {
            index: u64,
            #[serde(skip_serializing_if = "Option::is_none")]
            request: Option<u64>,
        },
    }

    #[derive(Serialize)]
    struct Line<'a> {
        node: &'a str,
        #[serde(flatten)]
        fact: &'a Tagged,
        unit: (),
    }

    #[test]
    fn writes_what_serde_json_writes() {
        same(&Msg::Prepare { ballot: 7 });
        same(&Msg::Promise {
            ballot: 2,
            accepted: Some((1, "bridge \"quoted\" \\ \n\u{1}é🙂".into())),
        });
        same(&Msg::Promise {
            ballot: u64::MAX,
            accepted: None,
        });
        same(&Msg::Heartbeat);
        same(&Msg::Wrapped(vec![-1, 0, i32::MIN, i32::MAX]));
        same(&Msg::Wrapped(vec![]));
        same(&Msg::Pair(255, false));
        for n in [
            0u64,
            9,
            10,
            99,
            100,
            101,
            999,
            1000,
            12345678901234567890,
            u64::MAX,
        ] {
            same(&n);
        }
        same(&i64::MIN);
        same(&'"');
        let map: BTreeMap<String, Vec<u64>> =
            [("a\tb".to_string(), vec![1, 2]), ("c".to_string(), vec![])].into();
        same(&map);
        same(&BTreeMap::<String, u8>::new());
        same(&Line {
            node: "A1",
            fact: &Tagged::Learned { value: "X".into() },
            unit: (),
        });
        same(&Line {
            node: "A\"1",
            fact: &Tagged::Applied {
                index: 3,
                request: None,
            },
            unit: (),
        });
        same(&serde_json::json!({"k": [1, -2, "s", null, true, {"z": {}}]}));
    }

    #[test]
    fn events_are_written_as_their_derived_serialize_writes_them() {
        use crate::fact::{CommandText, Fact};
        use crate::ids::{MessageId, RequestId};
        use crate::net::DropReason;
        use crate::op::Reply;
        type Ev<'a> = Event<'a, Msg, Msg, Vec<u64>>;
        let msg = Msg::Promise {
            ballot: 3,
            accepted: Some((2, "v".into())),
        };
        let fact = Fact::Applied {
            index: 4,
            epoch: 2,
            command: CommandText::from("c1 r2 \"odd\""),
            request: Some(RequestId(2)),
        };
        let written = vec![1, 2];
        let reply = Reply::Fail {
            reason: "not the primary: \"P2\"".into(),
            redirect: None,
        };
        let events: Vec<Ev<'_>> = vec![
            Event::Send {
                mid: MessageId(17),
                from: "P1",
                to: "A\\3",
                msg: &msg,
            },
            Event::Deliver {
                mid: MessageId(0),
                from: "P1",
                to: "A3",
                msg: &msg,
            },
            Event::Drop {
                mid: MessageId(u64::MAX),
                from: "P1",
                to: "A3",
                reason: DropReason::Partition,
                msg: &msg,
            },
            Event::Duplicate {
                mid: MessageId(5),
                copy: MessageId(6),
            },
            Event::Timer {
                node: "ν1",
                timer: &Msg::Heartbeat,
            },
            Event::Persist {
                node: "A1",
                write: &written,
            },
            Event::Fact {
                node: "A1",
                fact: &fact,
            },
            Event::Fact {
                node: "A1",
                fact: &Fact::Leading { epoch: 9 },
            },
            Event::Reply {
                node: "R1",
                request: RequestId(12),
                reply: &reply,
            },
            Event::Crash { node: "A1" },
            Event::Heal,
        ];
        for ev in &events {
            let mut ours = Vec::new();
            write_event(&mut ours, ev).expect("written here");
            assert_eq!(
                String::from_utf8(ours).unwrap(),
                serde_json::to_string(ev).unwrap()
            );
        }
    }

    #[test]
    fn decimals_are_written_as_display_writes_them() {
        let mut numbers = vec![0, 7, 1_234_567, u64::MAX];
        for digits in 1..20 {
            let p = 10u64.pow(digits);
            numbers.extend([p - 1, p, p + 1]);
        }
        for n in numbers {
            let mut buf = vec![b'x'];
            push_u64(&mut buf, n);
            assert_eq!(String::from_utf8(buf).unwrap(), format!("x{n}"));
        }
    }

    #[test]
    fn refuses_what_it_would_not_write_alike() {
        refused(&1.5f64);
        refused(&serde_json::json!({"x": 0.1}));
        refused(&1u128);
        let numbered: BTreeMap<u64, u8> = [(1, 2)].into();
        refused(&numbered);
    }
}
