//! The numbers `read_u32` and the other number readers decode: a width and
//! a byte order, known at compile time so the read is a few instructions.

use std::marker::PhantomData;

mod sealed {
    pub trait Sealed {}
}

/// A number [`AsyncReadExt`](super::AsyncReadExt)'s number readers decode:
/// the primitive numbers (big-endian, the network order) and
/// [`LittleEndian`] of them. Sealed: only those implement it.
pub trait Number: sealed::Sealed {
    /// The value read.
    type Output;
    /// Its bytes (`[u8; size_of::<Output>()]`).
    #[doc(hidden)]
    type Bytes: AsMut<[u8]> + Default + Copy + Unpin;
    /// The value of `bytes`.
    #[doc(hidden)]
    fn decode(bytes: Self::Bytes) -> Self::Output;
}

/// `T` in little-endian byte order, for the `read_*_le` methods.
pub struct LittleEndian<T>(PhantomData<fn() -> T>);

macro_rules! numbers {
    ($($ty:ty),*) => {$(
        impl sealed::Sealed for $ty {}
        impl Number for $ty {
            type Output = $ty;
            type Bytes = [u8; size_of::<$ty>()];
            #[inline]
            fn decode(bytes: Self::Bytes) -> $ty {
                <$ty>::from_be_bytes(bytes)
            }
        }
        impl sealed::Sealed for LittleEndian<$ty> {}
        impl Number for LittleEndian<$ty> {
            type Output = $ty;
            type Bytes = [u8; size_of::<$ty>()];
            #[inline]
            fn decode(bytes: Self::Bytes) -> $ty {
                <$ty>::from_le_bytes(bytes)
            }
        }
    )*};
}

numbers!(u8, i8, u16, i16, u32, i32, u64, i64, u128, i128, f32, f64);
