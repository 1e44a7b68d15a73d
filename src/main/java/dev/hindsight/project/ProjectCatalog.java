package dev.hindsight.project;

import java.util.List;

/** Durable storage of projects and environments (small, read whole into memory by {@link Projects}). */
public interface ProjectCatalog {

    List<Project> load();

    long createProject(String name);

    long createEnvironment(long projectId, String name, String appId, String secretKey, boolean allowAnyOrigin);

    void setSecretKey(long envId, String secretKey);

    void setOrigins(long envId, boolean allowAnyOrigin, List<String> origins);

    void setQueryBlocklist(long envId, List<String> parameters);

    void setSettings(long envId, EnvironmentSettings settings);

    void setIdentitySecret(long envId, String identitySecret);
}
