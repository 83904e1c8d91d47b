//! A strict reader for the subset of TOML that `catalog.toml` is written in.
//!
//! The engine is a build-dependency of every downstream crate, so it carries no TOML parser
//! (and no serde): this reader is all it needs to read a catalog. Supported:
//!
//! - comments and blank lines;
//! - `[[a]]` arrays of tables and `[a.b]` tables (a dotted path goes through the last table of
//!   an array of tables, as in TOML);
//! - `key = value` with bare (`A-Za-z0-9_-`) or quoted keys;
//! - basic strings (`"..."` with `\\ \" \b \t \n \f \r \uXXXX \UXXXXXXXX`), literal strings
//!   (`'...'`), `true` / `false`, arrays (over several lines, with comments and a trailing comma)
//!   and one-line inline tables.
//!
//! Anything else TOML has (numbers, dates, multi-line strings, dotted keys) is an error naming
//! the line, and so is a key given twice: a catalog is either read exactly as a full TOML parser
//! would read it, or rejected (the tests check the real catalog against such a parser).

/// A parsed value and the 1-based line where it starts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Value {
    /// Where the value starts.
    pub line: usize,
    /// What it is.
    pub kind: Kind,
}

/// The kinds of value the subset has.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    /// A string.
    Str(String),
    /// `true` or `false`.
    Bool(bool),
    /// An array; `headers` when it was made by `[[name]]` headers.
    Array { items: Vec<Value>, headers: bool },
    /// A table; `inline` when written `{ ... }` (which cannot be extended later).
    Table { entries: Table, inline: bool },
}

/// A table's entries in file order (keys are unique).
pub(crate) type Table = Vec<(String, Value)>;

impl Kind {
    /// The TOML name of this kind of value, for errors.
    pub fn type_name(&self) -> &'static str {
        match self {
            Kind::Str(_) => "a string",
            Kind::Bool(_) => "a boolean",
            Kind::Array { .. } => "an array",
            Kind::Table { .. } => "a table",
        }
    }
}

/// Parses `text` into its root table; an error reads `line N: what is wrong`.
pub(crate) fn parse(text: &str) -> Result<Table, String> {
    let mut p = Parser {
        chars: text.chars().collect(),
        pos: 0,
        line: 1,
    };
    let mut root = Table::new();
    let mut current: Vec<String> = Vec::new();
    loop {
        p.skip_blank_lines();
        match p.peek() {
            None => return Ok(root),
            Some('[') => {
                let line = p.line;
                p.bump();
                let array = p.eat('[');
                p.skip_ws();
                let path = p.dotted_key()?;
                p.skip_ws();
                if !p.eat(']') || (array && !p.eat(']')) {
                    return p.err(if array {
                        "expected `]]` to close the header"
                    } else {
                        "expected `]` to close the header"
                    });
                }
                p.end_of_line()?;
                let Some((last, parents)) = path.split_last() else {
                    return Err(at(line, "a table header needs a name"));
                };
                let parent = descend(&mut root, parents, line).map_err(|m| at(line, &m))?;
                let fresh = |inline| Value {
                    line,
                    kind: Kind::Table {
                        entries: Table::new(),
                        inline,
                    },
                };
                match parent.iter_mut().find(|(k, _)| k == last) {
                    None if array => parent.push((
                        last.clone(),
                        Value {
                            line,
                            kind: Kind::Array {
                                items: vec![fresh(false)],
                                headers: true,
                            },
                        },
                    )),
                    None => parent.push((last.clone(), fresh(false))),
                    Some((
                        _,
                        Value {
                            kind:
                                Kind::Array {
                                    items,
                                    headers: true,
                                },
                            ..
                        },
                    )) if array => items.push(fresh(false)),
                    Some((_, v)) => {
                        return Err(at(
                            line,
                            &format!("`{}` is already defined on line {}", path.join("."), v.line),
                        ))
                    }
                }
                current = path;
            }
            Some(_) => {
                let line = p.line;
                let (key, value) = p.key_value()?;
                p.end_of_line()?;
                let table = descend(&mut root, &current, line).map_err(|m| at(line, &m))?;
                insert(table, key, value)?;
            }
        }
    }
}

fn at(line: usize, message: &str) -> String {
    format!("line {line}: {message}")
}

fn insert(table: &mut Table, key: String, value: Value) -> Result<(), String> {
    if let Some((_, old)) = table.iter().find(|(k, _)| *k == key) {
        return Err(at(
            value.line,
            &format!("the key `{key}` is already defined on line {}", old.line),
        ));
    }
    table.push((key, value));
    Ok(())
}

/// The table at `path` below `table`, creating missing tables on the way; a path through an
/// array of tables goes through its last table.
fn descend<'t>(
    mut table: &'t mut Table,
    path: &[String],
    line: usize,
) -> Result<&'t mut Table, String> {
    for seg in path {
        if !table.iter().any(|(k, _)| k == seg) {
            table.push((
                seg.clone(),
                Value {
                    line,
                    kind: Kind::Table {
                        entries: Table::new(),
                        inline: false,
                    },
                },
            ));
        }
        let cur = table;
        let Some(i) = cur.iter().position(|(k, _)| k == seg) else {
            return Err(format!("line {line}: `{seg}` could not be created"));
        };
        let value = &mut cur[i].1;
        let defined = value.line;
        table = match &mut value.kind {
            Kind::Table {
                entries,
                inline: false,
            } => entries,
            Kind::Array {
                items,
                headers: true,
            } => match items.last_mut() {
                Some(Value {
                    kind: Kind::Table { entries, .. },
                    ..
                }) => entries,
                _ => {
                    return Err(format!(
                        "line {line}: `{seg}` is an array of tables holding something else"
                    ))
                }
            },
            _ => {
                return Err(format!(
                    "`{seg}` (line {defined}) is not a table that can be extended"
                ))
            }
        };
    }
    Ok(table)
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
    line: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += 1;
        if c == '\n' {
            self.line += 1;
        }
        Some(c)
    }

    fn eat(&mut self, c: char) -> bool {
        let yes = self.peek() == Some(c);
        if yes {
            self.bump();
        }
        yes
    }

    fn err<T>(&self, message: &str) -> Result<T, String> {
        Err(at(self.line, message))
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t')) {
            self.bump();
        }
    }

    fn skip_comment(&mut self) {
        if self.peek() == Some('#') {
            while !matches!(self.peek(), None | Some('\n' | '\r')) {
                self.bump();
            }
        }
    }

    /// Skips a line break (`\n` or `\r\n`); false when there is none here.
    fn newline(&mut self) -> bool {
        if self.peek() == Some('\r') && self.chars.get(self.pos + 1) == Some(&'\n') {
            self.bump();
        }
        self.eat('\n')
    }

    /// Skips whitespace, comments and line breaks (between lines, and inside arrays).
    fn skip_blank_lines(&mut self) {
        loop {
            self.skip_ws();
            self.skip_comment();
            if !self.newline() {
                return;
            }
        }
    }

    /// After a header or a `key = value`: only whitespace and a comment until the line ends.
    fn end_of_line(&mut self) -> Result<(), String> {
        self.skip_ws();
        self.skip_comment();
        if self.peek().is_none() || self.newline() {
            Ok(())
        } else {
            self.err(&format!(
                "unexpected {:?} after the value (one `key = value` per line)",
                self.peek().unwrap_or(' ')
            ))
        }
    }

    fn dotted_key(&mut self) -> Result<Vec<String>, String> {
        let mut path = vec![self.key()?];
        loop {
            self.skip_ws();
            if !self.eat('.') {
                return Ok(path);
            }
            self.skip_ws();
            path.push(self.key()?);
        }
    }

    fn key(&mut self) -> Result<String, String> {
        match self.peek() {
            Some('"' | '\'') => self.string(),
            _ => {
                let start = self.pos;
                while matches!(self.peek(), Some(c) if c.is_ascii_alphanumeric() || c == '_' || c == '-')
                {
                    self.bump();
                }
                if self.pos == start {
                    let found = self
                        .peek()
                        .map_or("the end of the file".into(), |c| format!("{c:?}"));
                    return self.err(&format!("expected a key, found {found}"));
                }
                Ok(self.chars[start..self.pos].iter().collect())
            }
        }
    }

    /// `key = value` (a single key: dotted keys are outside the subset).
    fn key_value(&mut self) -> Result<(String, Value), String> {
        let key = self.key()?;
        self.skip_ws();
        if self.peek() == Some('.') {
            return self.err("dotted keys are not supported here; write a [table] header");
        }
        if !self.eat('=') {
            return self.err(&format!("expected `=` after the key `{key}`"));
        }
        self.skip_ws();
        Ok((key, self.value()?))
    }

    fn value(&mut self) -> Result<Value, String> {
        let line = self.line;
        let kind = match self.peek() {
            Some('"' | '\'') => Kind::Str(self.string()?),
            Some('[') => self.array()?,
            Some('{') => self.inline_table()?,
            _ => {
                let start = self.pos;
                while matches!(self.peek(), Some(c) if c.is_ascii_alphanumeric() || "_+-.:".contains(c))
                {
                    self.bump();
                }
                let word: String = self.chars[start..self.pos].iter().collect();
                match word.as_str() {
                    "true" => Kind::Bool(true),
                    "false" => Kind::Bool(false),
                    "" => {
                        let found = self.peek().map_or("the end of the file".into(), |c| format!("{c:?}"));
                        return self.err(&format!("expected a value, found {found}"));
                    }
                    _ => {
                        return self.err(&format!(
                            "unsupported value `{word}`: a catalog holds strings, booleans, arrays and inline tables"
                        ))
                    }
                }
            }
        };
        Ok(Value { line, kind })
    }

    fn array(&mut self) -> Result<Kind, String> {
        let mut items = Vec::new();
        self.list(']', "the array", |p| {
            items.push(p.value()?);
            Ok(())
        })?;
        Ok(Kind::Array {
            items,
            headers: false,
        })
    }

    fn inline_table(&mut self) -> Result<Kind, String> {
        let mut entries = Table::new();
        self.list('}', "the inline table (written on one line)", |p| {
            let (key, value) = p.key_value()?;
            insert(&mut entries, key, value)
        })?;
        Ok(Kind::Table {
            entries,
            inline: true,
        })
    }

    /// A comma-separated list from the opening bracket here to `close`, one `item` each. An
    /// array (`]`) may span lines, hold comments and end with a comma; an inline table may not.
    fn list(
        &mut self,
        close: char,
        what: &str,
        mut item: impl FnMut(&mut Self) -> Result<(), String>,
    ) -> Result<(), String> {
        let array = close == ']';
        let gap = |p: &mut Self| {
            if array {
                p.skip_blank_lines()
            } else {
                p.skip_ws()
            }
        };
        self.bump();
        gap(self);
        if self.eat(close) {
            return Ok(());
        }
        loop {
            item(self)?;
            gap(self);
            if self.eat(close) {
                return Ok(());
            }
            if !self.eat(',') {
                return self.err(&format!("expected `,` or `{close}` in {what}"));
            }
            gap(self);
            if array && self.eat(close) {
                return Ok(());
            }
        }
    }

    /// A one-line string: basic (`"..."`, with escapes) or literal (`'...'`, as written).
    fn string(&mut self) -> Result<String, String> {
        let Some(quote) = self.bump() else {
            return self.err("expected a string");
        };
        if self.peek() == Some(quote) && self.chars.get(self.pos + 1) == Some(&quote) {
            return self.err("multi-line strings are not supported");
        }
        let mut s = String::new();
        loop {
            if matches!(self.peek(), None | Some('\n' | '\r')) {
                return self.err("unterminated string");
            }
            match self.bump() {
                None => return self.err("unterminated string"),
                Some(c) if c == quote => return Ok(s),
                Some('\\') if quote == '"' => {
                    let c = match self.bump() {
                        Some('\\') => '\\',
                        Some('"') => '"',
                        Some('b') => '\u{8}',
                        Some('t') => '\t',
                        Some('n') => '\n',
                        Some('f') => '\u{c}',
                        Some('r') => '\r',
                        Some(u @ ('u' | 'U')) => {
                            let n = if u == 'u' { 4 } else { 8 };
                            let hex: String = (0..n).filter_map(|_| self.bump()).collect();
                            u32::from_str_radix(&hex, 16)
                                .ok()
                                .filter(|_| hex.len() == n)
                                .and_then(char::from_u32)
                                .map_or_else(
                                    || self.err(&format!("invalid escape \\{u}{hex}")),
                                    Ok,
                                )?
                        }
                        other => {
                            let shown = other.map_or(String::new(), String::from);
                            return self.err(&format!("invalid escape \\{shown} in a string"));
                        }
                    };
                    s.push(c);
                }
                Some(c) if c.is_control() && c != '\t' => {
                    return self.err("control character in a string (write an escape)")
                }
                Some(c) => s.push(c),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// A value without lines or provenance, to compare with a full TOML parser's reading.
    #[derive(Debug, PartialEq)]
    enum Plain {
        Str(String),
        Bool(bool),
        Array(Vec<Plain>),
        Table(BTreeMap<String, Plain>),
    }

    fn plain(kind: &Kind) -> Plain {
        match kind {
            Kind::Str(s) => Plain::Str(s.clone()),
            Kind::Bool(b) => Plain::Bool(*b),
            Kind::Array { items, .. } => {
                Plain::Array(items.iter().map(|v| plain(&v.kind)).collect())
            }
            Kind::Table { entries, .. } => Plain::Table(
                entries
                    .iter()
                    .map(|(k, v)| (k.clone(), plain(&v.kind)))
                    .collect(),
            ),
        }
    }

    fn from_toml(v: &toml::Value) -> Plain {
        match v {
            toml::Value::String(s) => Plain::Str(s.clone()),
            toml::Value::Boolean(b) => Plain::Bool(*b),
            toml::Value::Array(a) => Plain::Array(a.iter().map(from_toml).collect()),
            toml::Value::Table(t) => {
                Plain::Table(t.iter().map(|(k, v)| (k.clone(), from_toml(v))).collect())
            }
            other => panic!("the catalog subset has no {other:?}"),
        }
    }

    /// Reads `text` with this reader and with the full TOML parser; both must agree.
    fn same_as_toml(text: &str) {
        let ours = parse(text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        let ours = plain(&Kind::Table {
            entries: ours,
            inline: false,
        });
        let theirs: toml::Value = toml::from_str(text).unwrap();
        assert_eq!(ours, from_toml(&theirs), "{text}");
    }

    #[test]
    fn reads_every_form_the_subset_has() {
        same_as_toml(
            "# c\n\n[[a]]\nk = \"x # not a comment\" # comment\n'q k' = 'lit \\n'\n\"b\\\"k\" = true\n\
             arr = [\n  # c\n  { n = \"1\", m = false },\n  { },\n]\n[a.t]\nx = { \"1.0.2\" = \"m\" }\n\
             [[a]]\nk = \"\\u00e9\\t\\U0001F600\"\nempty = []\n[a.t]\ny = \"z\"\r\n[c . d]\ne = [\"f\",\"g\"]\n",
        );
    }

    fn error(text: &str) -> String {
        let e = parse(text).expect_err(text);
        assert!(e.starts_with("line "), "{e}");
        // A full TOML parser rejects it too, unless it is outside the subset.
        e
    }

    #[test]
    fn rejects_with_the_line() {
        let cases = [
            (
                "[[api]]\nname = \"a\"\nname = \"b\"\n",
                "line 3: the key `name` is already defined on line 2",
            ),
            (
                "[[api]]\nx = { a = \"1\", a = \"2\" }\n",
                "line 2: the key `a` is already defined",
            ),
            ("[t]\n[t]\n", "line 2: `t` is already defined on line 1"),
            ("x = 1\n", "line 1: unsupported value `1`"),
            ("x = \"abc\n", "line 1: unterminated string"),
            (
                "x = \"\"\"abc\"\"\"\n",
                "line 1: multi-line strings are not supported",
            ),
            ("x = { a = \"1\",\n b = \"2\" }\n", "line 1: expected a key"),
            ("x = [ \"1\" \"2\" ]\n", "line 1: expected `,` or `]`"),
            (
                "x = \"1\" y = \"2\"\n",
                "line 1: unexpected 'y' after the value",
            ),
            ("a.b = \"1\"\n", "line 1: dotted keys are not supported"),
            ("[[a]\n", "line 1: expected `]]`"),
            (
                "x = { a = \"1\" }\n[x]\n",
                "line 2: `x` is already defined on line 1",
            ),
            (
                "x = { a = \"1\" }\n[x.y]\n",
                "line 2: `x` (line 1) is not a table that can be extended",
            ),
            ("x = \"\\q\"\n", "line 1: invalid escape \\q"),
            ("x = { a = \"1\", }\n", "line 1: expected a key, found '}'"),
            ("x = 'a\tb\u{7}'\n", "line 1: control character in a string"),
            (
                "x = [\n\n \"1\",\n ?\n]\n",
                "line 4: expected a value, found '?'",
            ),
            ("x =\n", "line 1: expected a value"),
        ];
        for (text, want) in cases {
            let e = error(text);
            assert!(e.contains(want), "{text:?}: {e:?} lacks {want:?}");
        }
    }
}
