package org.lcl.models.model;

import org.lcl.dsl.CompileContext;
import org.lcl.dsl.Shape;
import org.lcl.dsl.Spec;
import org.lcl.models.config.ModelConfig;
import org.lcl.models.config.ModelConfigs;
import org.lcl.torch.DType;
import org.lcl.torch.Device;

/**
 * Creates models from configs, as OpenCLIP's create_model: a config with pool_project_cfg is an
 * LCL model, any other a CLIP (CustomTextCLIP layout when custom_text).
 */
public final class Models {

    private Models() {}

    /** The model's spec (nothing allocated): an {@link LclModelSpec} or a {@link ClipModelSpec}. */
    public static Spec spec(ModelConfig cfg) {
        return cfg.isLcl() ? new LclModelSpec(cfg) : new ClipModelSpec(cfg);
    }

    /** Checks the config's model (errors name the layer path) and builds it with initialised parameters. */
    public static ImageTextModel create(ModelConfig cfg, Device device, DType dtype) {
        return create(cfg, device, dtype, true);
    }

    /**
     * As {@link #create(ModelConfig, Device, DType)}; with initialise false the parameters are
     * allocated but not initialised (fast: for inspecting names and shapes, or before loading a
     * checkpoint that sets every value).
     */
    public static ImageTextModel create(ModelConfig cfg, Device device, DType dtype, boolean initialise) {
        Spec spec = spec(cfg);
        spec.check(Shape.unknown(), spec.name());
        return (ImageTextModel) spec.build(new CompileContext(device, dtype, initialise));
    }

    /** The model of a config name (configs/NAME.json) or a JSON file path. */
    public static ImageTextModel create(String nameOrPath, Device device, DType dtype) {
        return create(ModelConfigs.resolve(nameOrPath), device, dtype, true);
    }

    public static ImageTextModel create(String nameOrPath, Device device, DType dtype, boolean initialise) {
        return create(ModelConfigs.resolve(nameOrPath), device, dtype, initialise);
    }
}
