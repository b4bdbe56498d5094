package caravan.model;

import java.util.List;

import org.springframework.stereotype.Component;

import caravan.model.ModelStore.Model;

/** What the model endpoints answer. */
@Component
public class ModelApi {

    private final ModelStore store;

    public ModelApi(ModelStore store) {
        this.store = store;
    }

    /** The newest version of each model. */
    public List<Model> models() {
        return store.latest();
    }

    public List<Model> versions(String name) {
        return store.versions(name);
    }

    public Model model(String modelId) {
        return store.get(modelId);
    }

    /** The model's file, for download. */
    public java.io.File file(String modelId) {
        return store.existingFile(store.get(modelId).sha256()).toFile();
    }
}
