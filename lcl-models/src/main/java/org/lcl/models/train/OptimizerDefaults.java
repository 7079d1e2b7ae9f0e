package org.lcl.models.train;

import java.util.Locale;

/**
 * OpenCLIP's {@code get_default_params(model_name)}: models whose name contains "vit" train with
 * lr 5e-4, betas (0.9, 0.98), eps 1e-6; others with lr 5e-4, betas (0.9, 0.999), eps 1e-8.
 */
public record OptimizerDefaults(double lr, double beta1, double beta2, double eps) {

    public static OptimizerDefaults forModel(String modelName) {
        if (modelName.toLowerCase(Locale.ROOT).contains("vit")) {
            return new OptimizerDefaults(5.0e-4, 0.9, 0.98, 1.0e-6);
        }
        return new OptimizerDefaults(5.0e-4, 0.9, 0.999, 1.0e-8);
    }
}
