//! `torch.save` checkpoints (`.pt`, `.pth`, Lightning's `.ckpt`): a zip archive holding a
//! pickle (`data.pkl`) that describes the saved object and one file per tensor storage.
//!
//! Why hand-written: the Rust pickle crates either cannot resolve PyTorch's persistent
//! storage ids or come with a whole tensor framework. A state dict needs a small subset of
//! the pickle protocol (dicts, lists, tuples, strings, numbers, and two globals that rebuild
//! tensors), read here as data: **nothing is ever called or executed** — a global that is
//! not one of those two is kept as a name, and its arguments as data. Every length is
//! checked against what the file holds, so a hostile file cannot make this allocate more
//! than its own size (times a small constant) or loop.

use std::collections::HashMap;
use std::io::Read;

/// A tensor of the saved state dict, in row-major order.
pub struct Tensor {
    pub shape: Vec<usize>,
    pub values: Vec<f32>,
}

/// What a `torch.save` file holds for ginn.
pub struct Saved {
    /// The state dict's `name → tensor` pairs.
    pub tensors: Vec<(String, Tensor)>,
    /// The training step a checkpoint records (`global_step`, `step` or `iteration`).
    pub step: Option<u64>,
}

/// The state dict a `torch.save` file holds: the file's whole object when it is a state
/// dict, else the one under `model_state_dict`, `state_dict` or `model` (a training
/// checkpoint, PyTorch Lightning's `.ckpt`).
pub fn read_state_dict(bytes: &[u8]) -> Result<Saved, String> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| format!("not a torch.save zip archive ({e})"))?;
    let pickle_name = zip
        .file_names()
        .flatten()
        .find(|n| n == "data.pkl" || n.ends_with("/data.pkl"))
        .map(|n| n.into_owned())
        .ok_or("a zip archive without data.pkl: not a torch.save file")?;
    let prefix = pickle_name.trim_end_matches("data.pkl").to_string();
    let pickle = entry(&mut zip, &pickle_name, bytes.len())?;
    let root = Machine::new(&pickle).run()?;
    let dict = state_dict(&root)?;
    let mut storages: HashMap<String, Vec<u8>> = HashMap::new();
    let mut out = Vec::new();
    for (key, value) in dict {
        let Value::Str(name) = key else { continue };
        let Value::Tensor(t) = value else { continue };
        if !storages.contains_key(&t.storage.key) {
            let data = entry(
                &mut zip,
                &format!("{prefix}data/{}", t.storage.key),
                bytes.len(),
            )?;
            storages.insert(t.storage.key.clone(), data);
        }
        let values =
            gather(t, &storages[&t.storage.key]).map_err(|e| format!("tensor `{name}`: {e}"))?;
        out.push((
            name.clone(),
            Tensor {
                shape: t.shape.clone(),
                values,
            },
        ));
    }
    if out.is_empty() {
        return Err("the state dict holds no tensors".into());
    }
    Ok(Saved {
        tensors: out,
        step: recorded_step(&root),
    })
}

/// A checkpoint's own record of its training step.
fn recorded_step(root: &Value) -> Option<u64> {
    let Value::Dict(d) = root else { return None };
    ["global_step", "step", "iteration"]
        .iter()
        .find_map(|want| {
            d.iter().find_map(|(k, v)| match (k, v) {
                (Value::Str(k), Value::Int(n)) if k == want => u64::try_from(*n).ok(),
                _ => None,
            })
        })
}

/// One stored entry of the archive, read whole (it cannot be larger than the file).
fn entry(
    zip: &mut zip::ZipArchive<std::io::Cursor<&[u8]>>,
    name: &str,
    limit: usize,
) -> Result<Vec<u8>, String> {
    let f = zip
        .by_name(name)
        .map_err(|e| format!("the archive has no `{name}` ({e})"))?;
    let size = usize::try_from(f.size()).unwrap_or(usize::MAX);
    if size > limit {
        return Err(format!("`{name}` claims {size} bytes, more than the file"));
    }
    let mut data = Vec::with_capacity(size);
    f.take(limit as u64)
        .read_to_end(&mut data)
        .map_err(|e| format!("`{name}`: {e}"))?;
    Ok(data)
}

/// Finds the state dict in what the pickle describes.
fn state_dict(root: &Value) -> Result<&[(Value, Value)], String> {
    let holds_tensors = |d: &[(Value, Value)]| d.iter().any(|(_, v)| matches!(v, Value::Tensor(_)));
    match root {
        Value::Dict(d) if holds_tensors(d) => Ok(d),
        Value::Dict(d) => {
            for want in ["model_state_dict", "state_dict", "model"] {
                for (k, v) in d {
                    if let (Value::Str(k), Value::Dict(inner)) = (k, v)
                        && k == want
                        && holds_tensors(inner)
                    {
                        return Ok(inner);
                    }
                }
            }
            Err("no state dict found: expected a dict of tensors, or one under `model_state_dict`, `state_dict` or `model`".into())
        }
        Value::Object { class, .. } => Err(format!(
            "it holds a whole pickled object ({}), which only Python can rebuild; save the weights instead: torch.save(model.state_dict(), path), or safetensors' save_file(model.state_dict(), path)",
            class
        )),
        _ => Err("no state dict found: the file holds neither a dict nor a module".into()),
    }
}

/// The values of a tensor from its storage's little-endian bytes, row-major whatever its
/// strides.
fn gather(t: &TensorRef, data: &[u8]) -> Result<Vec<f32>, String> {
    let width = t.storage.dtype.bytes();
    let stored = data.len() / width;
    let count = t
        .shape
        .iter()
        .try_fold(1usize, |n, &d| n.checked_mul(d))
        .ok_or("its shape overflows")?;
    // The last element's position must lie in the storage (checked without overflow).
    let mut last = t.offset;
    for (&d, &s) in t.shape.iter().zip(&t.stride) {
        if d > 0 {
            last = (d - 1)
                .checked_mul(s)
                .and_then(|x| last.checked_add(x))
                .ok_or("its strides overflow")?;
        }
    }
    if count > 0 && last >= stored {
        return Err(format!(
            "it reaches element {last} of a storage of {stored}: the file is damaged"
        ));
    }
    let mut out = Vec::with_capacity(count);
    let mut index = vec![0usize; t.shape.len()];
    for _ in 0..count {
        let at = t.offset
            + index
                .iter()
                .zip(&t.stride)
                .map(|(i, s)| i * s)
                .sum::<usize>();
        let b = &data[at * width..(at + 1) * width];
        let v = t.storage.dtype.read(b);
        if !v.is_finite() {
            return Err(format!("it holds {v}"));
        }
        out.push(v);
        // The next index in row-major order.
        for k in (0..index.len()).rev() {
            index[k] += 1;
            if index[k] < t.shape[k] {
                break;
            }
            index[k] = 0;
        }
    }
    Ok(out)
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Dtype {
    F32,
    F64,
    F16,
    BF16,
}

impl Dtype {
    fn of_storage(class: &str) -> Option<Self> {
        Some(match class {
            "FloatStorage" => Dtype::F32,
            "DoubleStorage" => Dtype::F64,
            "HalfStorage" => Dtype::F16,
            "BFloat16Storage" => Dtype::BF16,
            _ => return None,
        })
    }

    fn bytes(self) -> usize {
        match self {
            Dtype::F32 => 4,
            Dtype::F64 => 8,
            Dtype::F16 | Dtype::BF16 => 2,
        }
    }

    fn read(self, b: &[u8]) -> f32 {
        match self {
            Dtype::F32 => f32::from_le_bytes([b[0], b[1], b[2], b[3]]),
            Dtype::F64 => f64::from_le_bytes(b.try_into().expect("8 bytes")) as f32,
            Dtype::F16 => half::f16::from_le_bytes([b[0], b[1]]).to_f32(),
            Dtype::BF16 => half::bf16::from_le_bytes([b[0], b[1]]).to_f32(),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
struct StorageRef {
    dtype: Dtype,
    key: String,
}

#[derive(Clone, Debug, PartialEq)]
struct TensorRef {
    storage: StorageRef,
    offset: usize,
    shape: Vec<usize>,
    stride: Vec<usize>,
}

/// What the pickle describes, as data.
#[derive(Clone, Debug, PartialEq)]
enum Value {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Bytes(Vec<u8>),
    List(Vec<Value>),
    Tuple(Vec<Value>),
    Dict(Vec<(Value, Value)>),
    /// A class or function named by the pickle (never looked up).
    Global(String),
    /// What calling a global other than the tensor rebuilders would have made.
    Object {
        class: String,
        args: Box<Value>,
    },
    Storage(StorageRef),
    Tensor(TensorRef),
    Mark,
}

/// The pickle machine, for the opcodes a state dict uses (protocols 2 to 5).
struct Machine<'a> {
    code: &'a [u8],
    at: usize,
    stack: Vec<Value>,
    memo: HashMap<u32, Value>,
    /// Values a memo entry may still be copied into (a pickle can repeat an entry many
    /// times; copies past this budget mean a file built to exhaust memory).
    budget: usize,
}

/// Values (nodes) in a value, counted when a memo entry is copied.
fn weight(v: &Value) -> usize {
    1 + match v {
        Value::List(l) | Value::Tuple(l) => l.iter().map(weight).sum(),
        Value::Dict(d) => d.iter().map(|(k, v)| weight(k) + weight(v)).sum(),
        Value::Object { args, .. } => weight(args),
        _ => 0,
    }
}

impl<'a> Machine<'a> {
    fn new(code: &'a [u8]) -> Self {
        Self {
            code,
            at: 0,
            stack: Vec::new(),
            memo: HashMap::new(),
            budget: 64 * code.len() + 4096,
        }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&e| e <= self.code.len())
            .ok_or("the pickle ends early: the file is damaged")?;
        let s = &self.code[self.at..end];
        self.at = end;
        Ok(s)
    }

    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }

    fn u32(&mut self) -> Result<u32, String> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn pop(&mut self) -> Result<Value, String> {
        self.stack
            .pop()
            .ok_or_else(|| "a malformed pickle (stack underflow)".to_string())
    }

    fn top(&mut self) -> Result<&mut Value, String> {
        self.stack
            .last_mut()
            .ok_or_else(|| "a malformed pickle (empty stack)".to_string())
    }

    /// The values since the last mark, which is removed.
    fn since_mark(&mut self) -> Result<Vec<Value>, String> {
        let mark = self
            .stack
            .iter()
            .rposition(|v| *v == Value::Mark)
            .ok_or("a malformed pickle (no mark)")?;
        let items = self.stack.split_off(mark + 1);
        self.stack.pop();
        Ok(items)
    }

    fn text(&mut self, n: usize) -> Result<Value, String> {
        let b = self.take(n)?;
        String::from_utf8(b.to_vec())
            .map(Value::Str)
            .map_err(|_| "a malformed pickle (text is not UTF-8)".to_string())
    }

    fn memoize(&mut self, k: u32) -> Result<(), String> {
        let v = self.top()?.clone();
        let w = weight(&v);
        if w > self.budget {
            return Err("a pickle that repeats itself past its size: not a state dict".into());
        }
        self.budget -= w;
        self.memo.insert(k, v);
        Ok(())
    }

    fn run(mut self) -> Result<Value, String> {
        loop {
            let op = self.u8()?;
            match op {
                0x80 => {
                    self.u8()?; // PROTO
                }
                0x95 => {
                    self.take(8)?; // FRAME
                }
                b'.' => return self.pop(), // STOP
                b'}' => self.stack.push(Value::Dict(Vec::new())),
                b']' => self.stack.push(Value::List(Vec::new())),
                b')' => self.stack.push(Value::Tuple(Vec::new())),
                b'(' => self.stack.push(Value::Mark),
                b'N' => self.stack.push(Value::None),
                0x88 => self.stack.push(Value::Bool(true)),
                0x89 => self.stack.push(Value::Bool(false)),
                b'K' => {
                    let v = self.u8()?;
                    self.stack.push(Value::Int(v.into()));
                }
                b'M' => {
                    let b = self.take(2)?;
                    self.stack
                        .push(Value::Int(u16::from_le_bytes([b[0], b[1]]).into()));
                }
                b'J' => {
                    let v = self.u32()? as i32;
                    self.stack.push(Value::Int(v.into()));
                }
                0x8a => {
                    // LONG1: little-endian two's complement of n bytes.
                    let n = self.u8()? as usize;
                    let b = self.take(n)?;
                    if n > 8 {
                        return Err("an integer too large for a state dict".into());
                    }
                    let mut v: i64 = 0;
                    for (i, &x) in b.iter().enumerate() {
                        v |= (x as i64) << (8 * i);
                    }
                    if n > 0 && n < 8 && b[n - 1] & 0x80 != 0 {
                        v -= 1i64 << (8 * n);
                    }
                    self.stack.push(Value::Int(v));
                }
                b'G' => {
                    let b = self.take(8)?;
                    let v = f64::from_be_bytes(b.try_into().expect("8 bytes"));
                    self.stack.push(Value::Float(v));
                }
                b'X' => {
                    let n = self.u32()? as usize;
                    let v = self.text(n)?;
                    self.stack.push(v);
                }
                0x8c => {
                    let n = self.u8()? as usize;
                    let v = self.text(n)?;
                    self.stack.push(v);
                }
                b'T' | b'B' => {
                    let n = self.u32()? as usize;
                    let b = self.take(n)?.to_vec();
                    self.stack.push(Value::Bytes(b));
                }
                b'U' | b'C' => {
                    let n = self.u8()? as usize;
                    let b = self.take(n)?.to_vec();
                    self.stack.push(Value::Bytes(b));
                }
                b'c' => {
                    // GLOBAL "module\nname\n": a name, never imported.
                    let module = self.line()?;
                    let name = self.line()?;
                    self.stack.push(Value::Global(format!("{module}.{name}")));
                }
                0x93 => {
                    // STACK_GLOBAL
                    let name = self.pop()?;
                    let module = self.pop()?;
                    match (module, name) {
                        (Value::Str(m), Value::Str(n)) => {
                            self.stack.push(Value::Global(format!("{m}.{n}")))
                        }
                        _ => return Err("a malformed pickle (global without a name)".into()),
                    }
                }
                b'q' => {
                    let k = self.u8()?.into();
                    self.memoize(k)?;
                }
                b'r' => {
                    let k = self.u32()?;
                    self.memoize(k)?;
                }
                0x94 => {
                    let k = self.memo.len() as u32;
                    self.memoize(k)?;
                }
                b'h' | b'j' => {
                    let k = if op == b'h' {
                        self.u8()?.into()
                    } else {
                        self.u32()?
                    };
                    let v = self
                        .memo
                        .get(&k)
                        .ok_or("a malformed pickle (unknown memo entry)")?;
                    let w = weight(v);
                    if w > self.budget {
                        return Err(
                            "a pickle that repeats itself past its size: not a state dict".into(),
                        );
                    }
                    self.budget -= w;
                    let v = v.clone();
                    self.stack.push(v);
                }
                b't' => {
                    let items = self.since_mark()?;
                    self.stack.push(Value::Tuple(items));
                }
                0x85..=0x87 => {
                    let n = (op - 0x84) as usize;
                    if self.stack.len() < n {
                        return Err("a malformed pickle (short tuple)".into());
                    }
                    let items = self.stack.split_off(self.stack.len() - n);
                    self.stack.push(Value::Tuple(items));
                }
                b'a' => {
                    let v = self.pop()?;
                    if let Value::List(l) = self.top()? {
                        l.push(v);
                    }
                }
                b'e' => {
                    let items = self.since_mark()?;
                    if let Value::List(l) = self.top()? {
                        l.extend(items);
                    }
                }
                b's' => {
                    let v = self.pop()?;
                    let k = self.pop()?;
                    if let Value::Dict(d) = self.top()? {
                        d.push((k, v));
                    }
                }
                b'u' => {
                    let items = self.since_mark()?;
                    if items.len() % 2 != 0 {
                        return Err("a malformed pickle (odd dict items)".into());
                    }
                    if let Value::Dict(d) = self.top()? {
                        let mut it = items.into_iter();
                        while let (Some(k), Some(v)) = (it.next(), it.next()) {
                            d.push((k, v));
                        }
                    }
                }
                b'b' => {
                    // BUILD: an object's state (an OrderedDict's `_metadata`): not needed.
                    self.pop()?;
                }
                b'Q' => {
                    let pid = self.pop()?;
                    self.stack.push(storage(pid)?);
                }
                b'R' | 0x81 => {
                    // REDUCE (callable, args) / NEWOBJ (class, args): only the tensor
                    // rebuilders and OrderedDict mean something; the rest stays data.
                    let args = self.pop()?;
                    let callable = self.pop()?;
                    self.stack.push(reduce(callable, args)?);
                }
                _ => {
                    return Err(format!(
                        "a pickle opcode ginn does not read (0x{op:02x}): not a state dict as torch.save writes it"
                    ));
                }
            }
        }
    }

    /// A newline-terminated ASCII line (GLOBAL's operands).
    fn line(&mut self) -> Result<String, String> {
        let rest = &self.code[self.at..];
        let n = rest
            .iter()
            .position(|&b| b == b'\n')
            .ok_or("a malformed pickle (unterminated name)")?;
        let s = String::from_utf8(rest[..n].to_vec())
            .map_err(|_| "a malformed pickle (name is not UTF-8)".to_string())?;
        self.at += n + 1;
        Ok(s)
    }
}

/// A persistent id `('storage', StorageClass, key, location, numel)`.
fn storage(pid: Value) -> Result<Value, String> {
    let Value::Tuple(t) = pid else {
        return Err("a persistent id that is not a storage".into());
    };
    match t.as_slice() {
        [Value::Str(kind), Value::Global(class), Value::Str(key), ..] if kind == "storage" => {
            let name = class.rsplit('.').next().unwrap_or(class);
            let dtype = Dtype::of_storage(name).ok_or_else(|| {
                format!("tensors of {name}; ginn reads float32, float16, bfloat16 and float64")
            })?;
            Ok(Value::Storage(StorageRef {
                dtype,
                key: key.clone(),
            }))
        }
        _ => Err("a persistent id that is not a storage".into()),
    }
}

fn reduce(callable: Value, args: Value) -> Result<Value, String> {
    let Value::Global(name) = callable else {
        return Ok(Value::Object {
            class: "an unnamed callable".into(),
            args: Box::new(args),
        });
    };
    let items = match &args {
        Value::Tuple(t) => t.as_slice(),
        _ => &[],
    };
    match name.as_str() {
        "collections.OrderedDict" => Ok(Value::Dict(Vec::new())),
        "torch._utils._rebuild_tensor_v2" | "torch._utils._rebuild_tensor" => match items {
            [
                Value::Storage(s),
                Value::Int(offset),
                Value::Tuple(size),
                Value::Tuple(stride),
                ..,
            ] => {
                let dims = |v: &[Value]| -> Result<Vec<usize>, String> {
                    v.iter()
                        .map(|d| match d {
                            Value::Int(n) => usize::try_from(*n)
                                .map_err(|_| "a negative tensor dimension".to_string()),
                            _ => Err("a tensor dimension that is not a number".to_string()),
                        })
                        .collect()
                };
                let (shape, stride) = (dims(size)?, dims(stride)?);
                if shape.len() != stride.len() {
                    return Err("a tensor whose shape and strides disagree".into());
                }
                Ok(Value::Tensor(TensorRef {
                    storage: s.clone(),
                    offset: usize::try_from(*offset)
                        .map_err(|_| "a negative storage offset".to_string())?,
                    shape,
                    stride,
                }))
            }
            _ => Err("a tensor the pickle does not describe as torch.save does".into()),
        },
        // An nn.Parameter wraps the tensor.
        "torch._utils._rebuild_parameter" | "torch._utils._rebuild_parameter_with_state" => {
            match items.first() {
                Some(t @ Value::Tensor(_)) => Ok(t.clone()),
                _ => Err("a parameter without a tensor".into()),
            }
        }
        _ => Ok(Value::Object {
            class: name,
            args: Box::new(args),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pickle by hand: `{'a.weight': 1.5, 'n': [1, -2]}` (protocol 2).
    #[test]
    fn the_machine_reads_dicts_lists_numbers_and_memo() {
        let mut p = vec![0x80, 2, b'}', b'q', 0, b'('];
        p.extend([0x8c, 8]);
        p.extend(b"a.weight");
        p.push(b'G');
        p.extend(1.5f64.to_be_bytes());
        p.extend([0x8c, 1, b'n', b']', b'q', 1, b'(', b'K', 1, b'J']);
        p.extend((-2i32).to_le_bytes());
        p.extend([b'e', b'u', b'.']);
        let v = Machine::new(&p).run().unwrap();
        assert_eq!(
            v,
            Value::Dict(vec![
                (Value::Str("a.weight".into()), Value::Float(1.5)),
                (
                    Value::Str("n".into()),
                    Value::List(vec![Value::Int(1), Value::Int(-2)])
                ),
            ])
        );
    }

    #[test]
    fn damaged_pickles_are_errors_not_panics() {
        for bad in [
            &[][..],
            &[0x80],
            &[0x80, 2, b'.'],
            &[b'X', 0xff, 0xff, 0xff, 0xff],
            &[b'h', 7, b'.'],
            b"u.",
            b"e",
            &[0x8a, 9, 1, 2, 3],
            &[0xfe],
        ] {
            assert!(Machine::new(bad).run().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn strided_tensors_are_read_in_row_major_order() {
        // A 2×3 tensor stored transposed (strides 1, 2) at offset 1 of a storage of 7.
        let data: Vec<u8> = (0..7).flat_map(|i| (i as f32).to_le_bytes()).collect();
        let t = TensorRef {
            storage: StorageRef {
                dtype: Dtype::F32,
                key: "0".into(),
            },
            offset: 1,
            shape: vec![2, 3],
            stride: vec![1, 2],
        };
        assert_eq!(
            gather(&t, &data).unwrap(),
            vec![1.0, 3.0, 5.0, 2.0, 4.0, 6.0]
        );
        // Past the storage's end: damaged, not a panic.
        let far = TensorRef {
            offset: 3,
            ..t.clone()
        };
        assert!(gather(&far, &data).is_err());
        let huge = TensorRef {
            shape: vec![usize::MAX, 2],
            ..t
        };
        assert!(gather(&huge, &data).is_err());
    }
}
