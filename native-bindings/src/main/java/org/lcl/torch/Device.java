package org.lcl.torch;

import java.util.Objects;

/** A device as PyTorch names it: {@code cpu} or {@code cuda:N}. */
public record Device(Type type, int index) {

    /** Device types, with the codes of {@code c10::DeviceType}. */
    public enum Type {
        CPU(0, "cpu"),
        CUDA(1, "cuda");

        private final int code;
        private final String torchName;

        Type(int code, String torchName) {
            this.code = code;
            this.torchName = torchName;
        }

        public int code() {
            return code;
        }

        public String torchName() {
            return torchName;
        }

        static Type fromCode(int code) {
            for (Type t : values()) {
                if (t.code == code) {
                    return t;
                }
            }
            throw new IllegalArgumentException("unsupported libtorch device type code " + code);
        }
    }

    public static final Device CPU = new Device(Type.CPU, -1);

    public Device {
        Objects.requireNonNull(type, "type");
        if (type == Type.CPU && index != -1 && index != 0) {
            throw new IllegalArgumentException("cpu device index must be 0 or absent, got " + index);
        }
        if (type == Type.CPU) {
            index = -1;
        }
        if (type == Type.CUDA && index < 0) {
            throw new IllegalArgumentException("cuda device index must be >= 0, got " + index);
        }
    }

    public static Device cuda(int index) {
        return new Device(Type.CUDA, index);
    }

    public static Device cuda() {
        return cuda(0);
    }

    public boolean isCuda() {
        return type == Type.CUDA;
    }

    /** Parses {@code cpu}, {@code cuda} (= cuda:0) and {@code cuda:N}. */
    public static Device parse(String s) {
        String v = s.trim().toLowerCase(java.util.Locale.ROOT);
        if (v.equals("cpu")) {
            return CPU;
        }
        if (v.equals("cuda")) {
            return cuda(0);
        }
        if (v.startsWith("cuda:")) {
            try {
                return cuda(Integer.parseInt(v.substring(5)));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad device '" + s + "': expected cpu, cuda or cuda:N");
            }
        }
        throw new IllegalArgumentException("bad device '" + s + "': expected cpu, cuda or cuda:N");
    }

    @Override
    public String toString() {
        return type == Type.CPU ? "cpu" : "cuda:" + index;
    }
}
