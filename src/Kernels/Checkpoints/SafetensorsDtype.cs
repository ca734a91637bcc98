using TorchSharp;

namespace Dynamo.Orleans.Kernels.Checkpoints;

/// <summary>
/// The element types a safetensors header may name. All are known so that byte counts of every tensor can be
/// validated when a file is opened; only <see cref="BF16"/>, <see cref="F16"/> and <see cref="F32"/> can be loaded.
/// </summary>
public enum SafetensorsDtype
{
    Bool, U8, I8, F8E5M2, F8E4M3, I16, U16, F16, BF16, I32, U32, F32, I64, U64, F64,
}

public static class SafetensorsDtypes
{
    static readonly (SafetensorsDtype Dtype, string Name, int Size)[] Table =
    [
        (SafetensorsDtype.Bool, "BOOL", 1), (SafetensorsDtype.U8, "U8", 1), (SafetensorsDtype.I8, "I8", 1),
        (SafetensorsDtype.F8E5M2, "F8_E5M2", 1), (SafetensorsDtype.F8E4M3, "F8_E4M3", 1),
        (SafetensorsDtype.I16, "I16", 2), (SafetensorsDtype.U16, "U16", 2), (SafetensorsDtype.F16, "F16", 2),
        (SafetensorsDtype.BF16, "BF16", 2), (SafetensorsDtype.I32, "I32", 4), (SafetensorsDtype.U32, "U32", 4),
        (SafetensorsDtype.F32, "F32", 4), (SafetensorsDtype.I64, "I64", 8), (SafetensorsDtype.U64, "U64", 8),
        (SafetensorsDtype.F64, "F64", 8),
    ];

    /// <summary>The spelling in a safetensors header ("BF16", "F8_E4M3", ...).</summary>
    public static string HeaderName(this SafetensorsDtype dtype) => Table[(int)dtype].Name;

    public static int ElementSize(this SafetensorsDtype dtype) => Table[(int)dtype].Size;

    public static bool TryParse(string headerName, out SafetensorsDtype dtype)
    {
        foreach (var entry in Table)
        {
            if (entry.Name == headerName)
            {
                dtype = entry.Dtype;
                return true;
            }
        }
        dtype = default;
        return false;
    }

    /// <summary>The TorchSharp type for the loadable dtypes; null for the rest.</summary>
    public static torch.ScalarType? ToScalarType(this SafetensorsDtype dtype) => dtype switch
    {
        SafetensorsDtype.BF16 => torch.ScalarType.BFloat16,
        SafetensorsDtype.F16 => torch.ScalarType.Float16,
        SafetensorsDtype.F32 => torch.ScalarType.Float32,
        _ => null,
    };

    public static SafetensorsDtype FromScalarType(torch.ScalarType type) => type switch
    {
        torch.ScalarType.BFloat16 => SafetensorsDtype.BF16,
        torch.ScalarType.Float16 => SafetensorsDtype.F16,
        torch.ScalarType.Float32 => SafetensorsDtype.F32,
        _ => throw new ArgumentException($"dtype {type} cannot be stored: only BFloat16, Float16 and Float32 are supported.", nameof(type)),
    };

    /// <summary>The <c>torch_dtype</c> spelling used in config.json.</summary>
    public static string TorchDtypeName(this SafetensorsDtype dtype) => dtype switch
    {
        SafetensorsDtype.BF16 => "bfloat16",
        SafetensorsDtype.F16 => "float16",
        SafetensorsDtype.F32 => "float32",
        _ => throw new ArgumentException($"dtype {dtype.HeaderName()} has no torch_dtype spelling here.", nameof(dtype)),
    };
}
